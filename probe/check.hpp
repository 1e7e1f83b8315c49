// Checks: the kinds of evidence a probe gathers beyond its connection attempts, one module
// each (probe/checks/), plugged into one registry (probe/checks.cpp). A check kind runs
// through the Engines after the attempts, and returns its own result type, which knows its
// findings, its JSON object and its lines for the text and HTML reports: judge::assess(),
// report/json_report.cpp and report/text_report.cpp call those hooks for every check result
// without knowing the kind (sslyze's one plugin per scan command).
//
// Adding a check = a module in probe/checks/ (a CheckKind and its CheckResult) + one row in
// probe/checks.cpp. Nothing else changes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engines.hpp"
#include "probe/finding.hpp"

namespace tlsprobe::probe {

struct TargetResult;
struct ProbeOptions;

// A check's evidence as a table, one row per thing it judged (the client grid: one row per
// simulated client), in report order. The HTML and Markdown reports lay it out as a table
// (cards on a phone), the text report as one line per row with --verbose; the check decides
// the rows, their order and each row's status, the renderers only lay them out.
struct CheckTable {
    enum class Status { ok, fail, none };  // how the row is coloured: green, red, plain
    struct Row {
        Status status = Status::none;
        std::vector<std::string> cells;  // one per header
    };
    std::string caption;  // one line over the table ("33 of 35 current clients connect")
    std::vector<std::string> headers;
    std::size_t status_column = 0;  // the cell coloured by the row's status
    std::vector<Row> rows;
};

// What one check found, as its own type. Immutable once made.
class CheckResult {
public:
    virtual ~CheckResult() = default;
    // The registry id of the kind that made it ("alpn").
    virtual std::string_view kind() const = 0;
    // The findings it supports (ids the kind declares in CheckKind::finding_kinds()).
    virtual std::vector<Finding> findings() const = 0;
    // Its object under "checks" in the JSON report ({"alpn": {...}}).
    virtual nlohmann::json to_json() const = 0;
    // Lines for the text and HTML reports, under the kind's title.
    virtual std::vector<std::string> text() const = 0;
    // The same evidence as a table (CheckTable), for the kinds whose evidence is one; the
    // reports that can lay out tables show it instead of text(). nullopt: text() only.
    virtual std::optional<CheckTable> table() const { return std::nullopt; }
};
using CheckResultPtr = std::shared_ptr<const CheckResult>;

// What a check may use: the network (only through the engines), the peer, the result so far
// (the attempts made and the per-version verdicts) and the probe's options (timeout, name,
// the per-target connection cap, which a check must honour).
struct CheckContext {
    engine::Engines& engines;
    engine::Endpoint peer;
    const TargetResult& result;
    const ProbeOptions& options;
};

class CheckKind {
public:
    virtual ~CheckKind() = default;
    virtual std::string_view id() const = 0;     // stable: "alpn"; --checks and JSON use it
    virtual std::string_view title() const = 0;  // "Application protocols (ALPN)"
    // Sends anything unusual (malformed records, renegotiation, oracle probes): scans at
    // quick depth never run these.
    virtual bool intrusive() const { return false; }
    // The finding ids its results may raise (part of the catalogue and the README).
    virtual std::span<const FindingKind> finding_kinds() const { return {}; }
    // Whether it can say anything about this target (e.g. needs a working handshake).
    virtual bool applies(const TargetResult& result) const = 0;
    // Runs it. Never throws for what the network or the server does: that is in the result.
    virtual boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const = 0;
};

// The registry, in report order.
std::span<const CheckKind* const> check_kinds();
// The kind with `id`; nullptr for an unknown id.
const CheckKind* find_check_kind(std::string_view id);

}  // namespace tlsprobe::probe
