// `tlsprobe merge`: the shards of one scan, run as separate processes, merge into exactly the
// report of the same scan run in one process; duplicates, torn lines and unfinished shards.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli_run.hpp"
#include "lab/paths.hpp"
#include "lab/scenarios.hpp"
#include "report/scan_report.hpp"

using namespace tlsprobe;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "tlsprobe-merge-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<json> jsonl_lines(const fs::path& p) {
    std::vector<json> out;
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
}

// The summary record less what differs between runs by nature (time, how records were read).
json comparable_summary(json s) {
    for (const auto* k : {"elapsed_s", "earlier", "other_shards", "resumed"}) s.erase(k);
    return s;
}

// RFC 4180 fields of one CSV row (quoted fields may hold commas).
std::vector<std::string> csv_fields(const std::string& row) {
    std::vector<std::string> f(1);
    bool quoted = false;
    for (std::size_t i = 0; i < row.size(); ++i) {
        const char c = row[i];
        if (quoted) {
            if (c == '"' && i + 1 < row.size() && row[i + 1] == '"') f.back() += '"', ++i;
            else if (c == '"') quoted = false;
            else f.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            f.emplace_back();
        } else if (c != '\n') {
            f.back() += c;
        }
    }
    return f;
}

// CSV rows keyed by target, less duration_ms (column 25), sorted: a scan writes rows in
// completion order.
std::map<std::string, std::vector<std::string>> csv_by_key(const fs::path& p) {
    std::map<std::string, std::vector<std::string>> rows;
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    CHECK(line + "\n" == report::csv_header());
    while (std::getline(in, line)) {
        auto f = csv_fields(line);
        REQUIRE(f.size() == 26);
        f.erase(f.begin() + 24);
        rows[f[1]] = f;
    }
    return rows;
}

std::string worst_section(const std::string& text) {
    const auto at = text.find("Worst targets");
    return at == std::string::npos ? std::string() : text.substr(at);
}

// A port nothing listens on: bound, then closed.
unsigned short closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

json target_record(const std::string& key, int line, const std::string& verdict) {
    return {{"record", "target"},
            {"key", key},
            {"input_line", line},
            {"scan", {{"outcome", "deadline"}, {"verdict", verdict}, {"detail", "deadline"}}},
            {"findings", json::array()},
            {"diagnosis", json::array()}};
}

}  // namespace

TEST_CASE("merge of four shard processes equals the scan run in one process",
          "[merge][scan][e2e]") {
    std::vector<std::unique_ptr<lab::ScenarioServer>> servers;
    TempDir dir;
    {
        std::ofstream hosts(dir.path / "hosts.txt");
        for (const auto* id : {"healthy", "expired", "missing-intermediate", "tls10-only",
                               "http-on-tls-port", "wrong-host"}) {
            servers.push_back(lab::ScenarioServer::start(*lab::find_scenario(id)));
            hosts << fmt::format("tlsprobe.test:{},127.0.0.1\n", servers.back()->port());
        }
        hosts << fmt::format("127.0.0.1:{}\n", closed_port());
        hosts << fmt::format("tlsprobe.test:{},127.0.0.1   # a duplicate line\n",
                             servers.front()->port());
    }
    const std::string scan =
        fmt::format("'{}' scan hosts.txt --quiet --no-color --timeout 2s --ca-file '{}'",
                    TLSPROBE_BINARY, lab::testcert("root-ca.pem").string());
    // Four shards as four processes side by side, and the same scan in one process.
    std::string command = fmt::format("cd '{}' && (", dir.path.string());
    for (int k = 1; k <= 4; ++k)
        command += fmt::format("{} --shard {}/4 --jsonl part-{}.jsonl >shard-{}.txt 2>&1 & ", scan,
                               k, k, k);
    command += fmt::format("{} --jsonl all.jsonl --csv all.csv >all.txt 2>&1; wait)", scan);
    REQUIRE(std::system(command.c_str()) != -1);
    REQUIRE(fs::exists(dir.path / "all.jsonl"));

    std::vector<std::string> args{"merge"};
    for (int k = 1; k <= 4; ++k) args.push_back((dir.path / fmt::format("part-{}.jsonl", k)).string());
    for (const auto* extra : {"--jsonl", "merged.jsonl", "--csv", "merged.csv", "--no-color"})
        args.push_back(std::string(extra).ends_with(".jsonl") || std::string(extra).ends_with(".csv")
                           ? (dir.path / extra).string()
                           : extra);
    const auto merged = test::run_cli(args);
    INFO(merged.err);
    const auto single = jsonl_lines(dir.path / "all.jsonl");
    const auto combined = jsonl_lines(dir.path / "merged.jsonl");
    REQUIRE(!single.empty());
    REQUIRE(!combined.empty());

    // The same summary, the same exit code as the single scan would give.
    CHECK(comparable_summary(combined.back()) == comparable_summary(single.back()));
    CHECK(combined.back()["targets"] == 7);
    CHECK(combined.back()["duplicates"] == 1);
    CHECK(merged.code == 1);  // expired / missing intermediate / no TLS are high findings
    CHECK(worst_section(merged.out) == worst_section(slurp(dir.path / "all.txt")));
    CHECK(merged.err.find("did not finish") == std::string::npos);

    // The same records, each target once.
    std::map<std::string, json> by_key;
    for (const auto& r : single)
        if (r["record"] == "target") by_key[r["key"]] = r;
    std::set<std::string> keys;
    for (const auto& r : combined) {
        if (r["record"] != "target") continue;
        INFO(r["key"]);
        CHECK(keys.insert(r["key"]).second);
        REQUIRE(by_key.contains(r["key"]));
        const auto& s = by_key[r["key"]];
        CHECK(r["scan"] == s["scan"]);
        CHECK(r["findings"] == s["findings"]);
        CHECK(r["target_verdict"] == s["target_verdict"]);
    }
    CHECK(keys.size() == by_key.size());

    // The same CSV rows (order aside).
    CHECK(csv_by_key(dir.path / "merged.csv") == csv_by_key(dir.path / "all.csv"));
}

TEST_CASE("merge takes each target once, skips torn lines and names unfinished shards",
          "[merge][scan]") {
    report::ScanMerge merge;
    const json finished = {{"record", "summary"}, {"stopped", false}, {"duplicates", 2},
                           {"not_started", 0},    {"elapsed_s", 1.5}};
    std::stringstream a;
    a << target_record("a:443", 1, "timeout").dump() << '\n'
      << target_record("b:443", 2, "timeout").dump() << '\n'
      << "not json\n"
      << finished.dump() << '\n';
    // b again (a shard run twice), c, then a torn line and no summary: killed mid-write.
    std::stringstream b;
    b << target_record("b:443", 2, "timeout").dump() << '\n'
      << target_record("c:443", 3, "timeout").dump() << '\n'
      << R"({"record":"target","key":"d:443","scan":{"outc)";
    std::vector<std::string> taken;
    const auto collect = [&](const json& r) { taken.push_back(r["key"]); };
    const auto& first = merge.add("a.jsonl", a, collect);
    CHECK(first.records == 2);
    CHECK(first.ignored_lines == 1);
    CHECK(first.finished);
    const auto& second = merge.add("b.jsonl", b, collect);
    CHECK(second.records == 1);
    CHECK(second.duplicates == 1);
    CHECK(second.ignored_lines == 1);
    CHECK_FALSE(second.finished);
    CHECK(taken == std::vector<std::string>{"a:443", "b:443", "c:443"});
    const auto& s = merge.summary();
    CHECK(s.targets() == 3);
    CHECK(s.count(scan::ScanVerdict::timeout) == 3);
    CHECK(s.earlier == 0);
    CHECK(s.duplicates == 2);
    CHECK(s.stopped);  // b.jsonl never finished
    CHECK(s.elapsed.count() == Approx(1.5));
}

TEST_CASE("merge refuses a missing input and an output that is one of its inputs",
          "[merge][cli]") {
    TempDir dir;
    const auto part = (dir.path / "part-1.jsonl").string();
    std::ofstream(part) << target_record("a:443", 1, "timeout").dump() << '\n';

    const auto missing = test::run_cli({"merge", part, (dir.path / "nope.jsonl").string()});
    CHECK(missing.code == 2);
    CHECK(missing.err.find("nope.jsonl': no such file") != std::string::npos);

    const auto clobber = test::run_cli({"merge", part, "--jsonl", part});
    CHECK(clobber.code == 2);
    CHECK(clobber.err.find("is also an input") != std::string::npos);
    CHECK(slurp(part).find("a:443") != std::string::npos);  // untouched

    const auto none = test::run_cli({"merge"});
    CHECK(none.code == 2);
}

TEST_CASE("merge carries the shards' input-line errors into the merged summary once",
          "[merge][scan]") {
    // What a shard writes: every shard reads the whole input, so each saw both bad lines.
    report::ScanSummary shard_summary;
    shard_summary.add_input_error(3, scan::InputError{"bad host", "a space in the host name"});
    shard_summary.add_input_error(7, scan::InputError{"x:99999", "port out of range"});
    json written = shard_summary.to_json();
    REQUIRE(written["first_input_errors"].size() == 2);
    CHECK(written["first_input_errors"][0] ==
          json{{"line", 3}, {"text", "bad host"}, {"reason", "a space in the host name"}});
    written["stopped"] = false;

    report::ScanMerge merge;
    for (int i = 0; i < 2; ++i) {
        std::stringstream in;
        in << target_record(fmt::format("t{}:443", i), 10 + i, "timeout").dump() << '\n'
           << written.dump() << '\n';
        merge.add(fmt::format("part-{}.jsonl", i), in);
    }
    const auto& s = merge.summary();
    CHECK(s.input_errors() == 2);  // the same two lines, not four
    REQUIRE(s.first_input_errors().size() == 2);
    CHECK(s.first_input_errors()[0].first == 3);
    CHECK(s.first_input_errors()[1].second.reason == "port out of range");
    CHECK(s.to_json()["input_errors"] == 2);
    const auto text = report::render_scan_summary(s, {});
    CHECK_THAT(text, Catch::Contains("Input errors (2; first 2 shown)") &&
                         Catch::Contains("line 7: x:99999: port out of range"));

    // A shard summary without errors (or from before the list existed) adds none.
    report::ScanMerge clean;
    std::stringstream in;
    in << json{{"record", "summary"}, {"stopped", false}, {"input_errors", 0}}.dump() << '\n';
    clean.add("clean.jsonl", in);
    CHECK(clean.summary().input_errors() == 0);
    CHECK(clean.summary().first_input_errors().empty());
}
