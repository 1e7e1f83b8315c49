// What `tlsprobe scan` writes: the JSONL records and their final summary object, CSV rows,
// the text summary, the progress line; and reading a JSONL file back for --resume.
// Pure: values in, text out (read_resume reads a stream it is given).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "report/json_report.hpp"
#include "report/scan_record_fields.hpp"
#include "scan/key_set.hpp"
#include "scan/scan.hpp"
#include "scan/scan_input.hpp"

namespace tlsprobe::report {

// One JSONL line (without the newline): the probe's JSON (json_report.hpp) plus
//   "record": "target", "input_line": N, "key": "host:port...",
//   "scan": {"outcome": "completed|deadline|error", "verdict":
//   "ok|warn|fail|no_tls|unreachable|timeout|error",
//            "detail": "..."}
nlohmann::json scan_record_json(const scan::ScanRecord& record, const JsonOptions& options = {});
// scan_record_json(record).dump() with invalid UTF-8 replaced (U+FFFD) instead of thrown
// about: what a JSONL writer should call.
std::string scan_record_line(const scan::ScanRecord& record, const JsonOptions& options = {});

// Counts over a scan, fed one record at a time; keeps only counters and the worst few targets.
class ScanSummary {
public:
    explicit ScanSummary(std::size_t keep_worst = 20) : keep_worst_(keep_worst) {}

    void add(const scan::ScanRecord& record);
    // A record an earlier run wrote (a JSONL "target" line, read back for --resume): counted
    // like add() and in `earlier`. Throws nlohmann::json::exception when it is malformed.
    void add_earlier(const nlohmann::json& record);
    // The same from the fields of the line (read_scan_record_fields): what --resume uses, as
    // it never builds the JSON tree. False (and nothing counted) when the record is malformed.
    bool add_earlier(const ScanRecordFields& record);
    void add_input_error(std::size_t line, const scan::InputError& error);
    // `tlsprobe merge`: the input errors of the shards' summary records ("input_errors",
    // "first_input_errors"). Every shard reads the whole input, so each reports the same
    // lines: the count is the largest any shard saw, the lines their union (by line number,
    // the first 20). Throws nlohmann::json::exception when a listed error is malformed.
    void merge_input_errors(const nlohmann::json& shard_summary);
    std::size_t earlier = 0;       // of targets(): records read back from the JSONL file (--resume)
    std::size_t duplicates = 0;    // lines naming a target already seen
    std::size_t resumed = 0;       // targets skipped because the JSONL file already holds them
    std::size_t other_shards = 0;  // targets left to the other shards
    std::size_t not_started = 0;   // targets never taken because the scan was stopped
    bool stopped = false;          // SIGINT/SIGTERM (or a write error) stopped the scan
    std::chrono::duration<double> elapsed{0};

    struct Worst {
        std::size_t line = 0;
        std::string key;
        scan::ScanVerdict verdict = scan::ScanVerdict::ok;
        int rank = 0;        // higher is worse
        std::string reason;  // the top diagnosis or finding, or the scan detail
    };
    struct VersionCounts {
        std::size_t yes = 0, no = 0, unknown = 0;
    };

    std::size_t targets() const { return targets_; }
    std::size_t count(scan::ScanVerdict v) const { return verdicts_[static_cast<std::size_t>(v)]; }
    std::size_t reached() const;  // targets that answered at TCP level at least
    std::size_t input_errors() const { return input_errors_; }
    const std::array<VersionCounts, 6>& versions() const { return versions_; }
    const std::map<std::string, std::size_t>& findings() const { return findings_; }
    const std::map<std::string, std::size_t>& diagnoses() const { return diagnoses_; }
    const std::vector<Worst>& worst() const { return worst_; }  // worst first
    const std::vector<std::pair<std::size_t, scan::InputError>>& first_input_errors() const {
        return errors_;
    }

    // {"record": "summary", "targets": N, "verdicts": {...}, "versions": {...}, "findings": {...},
    //  "diagnosis": {...}, "input_errors": N, "duplicates": N, "resumed": N, "other_shards": N,
    //  "stopped": bool, "not_started": N, "earlier": N, "elapsed_s": x,
    //  "first_input_errors": [{"line": N, "text": "...", "reason": "..."}, ...]}
    nlohmann::json to_json() const;

private:
    void add_worst(Worst w);
    std::size_t keep_worst_;
    std::size_t targets_ = 0;
    std::size_t input_errors_ = 0;
    std::array<std::size_t, 7> verdicts_{};
    std::array<VersionCounts, 6> versions_{};
    std::map<std::string, std::size_t> findings_;
    std::map<std::string, std::size_t> diagnoses_;
    std::vector<Worst> worst_;
    std::vector<std::pair<std::size_t, scan::InputError>> errors_;
};

struct ScanTextOptions {
    bool color = false;
    std::size_t width = 80;  // terminal columns: lines wrap at spaces to fit (format_util.hpp)
};
// The end-of-scan table for stdout.
std::string render_scan_summary(const ScanSummary& summary, const ScanTextOptions& options = {});

// CSV (RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled; CRLF not
// required, LF used). One header line, one row per target.
std::string csv_field(std::string_view text);
std::string csv_header();
std::string csv_row(const scan::ScanRecord& record);
// The same row from a JSONL target record (scan_record_json): what `tlsprobe merge` writes.
// Throws nlohmann::json::exception when the record lacks a field the row needs.
std::string csv_row(const nlohmann::json& record);

// The progress line (no newline): "1234/10000 targets  812.3 hosts/s  17 failing  ETA 11s".
// `total` is nullopt when unknown (standard input).
std::string progress_line(std::size_t done, std::optional<std::size_t> total, std::size_t failing,
                          std::chrono::duration<double> elapsed);

// What an existing JSONL file holds, for --resume. With `summary`, each target record (the
// first per key) is also added to it (ScanSummary::add_earlier), so the final summary and the
// exit code cover the whole file; a malformed record counts as an ignored line. Lines are read
// one at a time with read_scan_record_fields (no JSON tree), and keys kept as 8-byte hashes
// (scan::KeySet): a million records read back in seconds, in ~16 MB.
struct ResumeState {
    scan::KeySet keys;  // targets with a complete record
    std::uint64_t valid_bytes =
        0;  // the file up to the end of its last complete line; the rest is a torn write
    std::size_t ignored_lines = 0;  // lines that are not JSON, or not newline-terminated
};
ResumeState read_resume(std::istream& in, ScanSummary* summary = nullptr);

// Reads a JSONL file `tlsprobe scan` wrote, one line at a time (memory stays flat): calls
// `on_target` for each complete target record ("record": "target" with a string "key") and
// `on_summary` for each summary record. A line that is not a JSON object, or is not
// newline-terminated (a torn write), is counted in `ignored_lines` and skipped.
struct JsonlRead {
    std::uint64_t valid_bytes = 0;  // up to the end of the last complete line
    std::size_t ignored_lines = 0;
};
JsonlRead read_jsonl(std::istream& in,
                     const std::function<void(const nlohmann::json& record)>& on_target,
                     const std::function<void(const nlohmann::json& summary)>& on_summary = {});

// `tlsprobe merge`: the shards of one scan (--shard K/N, one JSONL file each) read back into
// one summary. Each key is taken once (the first file naming it wins); the shards' own summary
// records say whether each shard finished.
class ScanMerge {
public:
    struct Shard {
        std::string name;
        std::size_t records = 0;        // target records taken from this file
        std::size_t duplicates = 0;     // target records whose key an earlier file (or line) had
        std::size_t ignored_lines = 0;  // torn or malformed lines
        bool finished = false;          // it ends with a summary record that is not "stopped"
    };
    // Reads one shard; `on_record` gets every record taken (to write the merged JSONL/CSV).
    const Shard& add(std::string name, std::istream& in,
                     const std::function<void(const nlohmann::json& record)>& on_record = {});
    const std::vector<Shard>& shards() const { return shards_; }
    // The merged summary: every shard's records counted once; `stopped` when a shard did not
    // finish; `duplicates` and `not_started` from the shards' summaries; `elapsed` the longest
    // shard's (they run side by side).
    const ScanSummary& summary() const { return summary_; }

private:
    scan::KeySet keys_;
    std::vector<Shard> shards_;
    ScanSummary summary_;
};

}  // namespace tlsprobe::report
