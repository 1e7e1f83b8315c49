// Scale (issue 18): what a scan keeps per target is a 64-bit hash for duplicates and one for
// --resume; the summary is counters only; --resume reads a JSONL file without JSON trees.
// These tests check that the compact forms give the same answers as the exact ones; the
// memory and time figures are bench/scan_1m.sh's (no timed assertions here).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "report/scan_record_fields.hpp"
#include "report/scan_report.hpp"
#include "scan/key_set.hpp"
#include "scan/scan_input.hpp"

using namespace tlsprobe;
using nlohmann::json;

namespace {

// Keys shaped like the ones a big scan has: many near-identical addresses and names.
std::string key_of(std::size_t i) {
    switch (i % 3) {
        case 0:
            return fmt::format("127.{}.{}.{}:9", (i / 62500) % 250 + 1, (i / 250) % 250 + 1,
                               i % 250 + 1);
        case 1: return fmt::format("live{}.tlsprobe.test:443,via=127.0.0.1,sni=tlsprobe.test", i);
        default: return fmt::format("[::1]:{}", i);
    }
}

// A record like the engine makes: verdicts, versions, findings and diagnoses vary with `i`.
scan::ScanRecord record_of(std::size_t i) {
    scan::ScanRecord r;
    r.item.line = i + 1;
    r.item.key = key_of(i);
    r.item.target.host = "h" + std::to_string(i) + ".example";
    r.item.target.port = 443;
    r.result.target = r.item.target;
    switch (i % 7) {
        case 0:
        case 1:
            r.result.verdict = probe::TargetVerdict::unreachable;
            break;
        case 2:
            r.outcome = scan::ScanOutcome::deadline;
            r.detail = "no result within the 3000 ms per-target deadline";
            break;
        case 3:
            r.result.verdict = probe::TargetVerdict::no_tls;
            r.result.diagnosis.push_back({});
            r.result.diagnosis.back().id = i % 2 ? "binding.sni_required" : "network.reset";
            r.result.diagnosis.back().summary = "a sentence";
            break;
        default:
            r.result.verdict = i % 5 ? probe::TargetVerdict::ok : probe::TargetVerdict::fail;
            r.result.versions[static_cast<std::size_t>(core::Version::tls1_3)].supported = true;
            r.result.versions[static_cast<std::size_t>(core::Version::tls1_2)].supported = i % 2;
            if (i % 5 == 0) {
                probe::Finding f;
                f.id = "cert.expired";
                f.severity = probe::Severity::high;
                f.detail = fmt::format("expired {} days ago, \"quoted\" \\ and ünïcode", i % 90);
                r.result.findings.push_back(f);
                f.id = "protocol.tls1_0";
                f.severity = probe::Severity::medium;
                r.result.findings.push_back(f);
            }
    }
    r.verdict = scan::scan_verdict(r);
    return r;
}

json without_earlier(const report::ScanSummary& s) {
    json j = s.to_json();
    j.erase("earlier");
    return j;
}

}  // namespace

TEST_CASE("scan key set: exact on 300000 near-identical keys, duplicates found every time",
          "[scan][scale]") {
    constexpr std::size_t n = 300000;
    scan::KeySet set;
    std::size_t fresh = 0;
    for (std::size_t i = 0; i < n; ++i) fresh += set.insert(key_of(i)) ? 1 : 0;
    CHECK(fresh == n);  // no false duplicate among them
    CHECK(set.size() == n);
    std::size_t again = 0;
    for (std::size_t i = 0; i < n; i += 7) again += set.insert(key_of(i)) ? 0 : 1;
    CHECK(again == (n + 6) / 7);  // every repeat is a duplicate
    CHECK(set.contains(key_of(12345)));
    CHECK_FALSE(set.contains("127.251.1.1:9"));
    CHECK_FALSE(set.contains(""));
    set.erase(key_of(12345));
    CHECK_FALSE(set.contains(key_of(12345)));
    CHECK(set.size() == n - 1);
}

TEST_CASE("scan resume: 10000 records read back, the torn last line dropped, summary equal",
          "[scan][scale][resume]") {
    constexpr std::size_t n = 10000;
    report::ScanSummary direct;
    std::string file;
    for (std::size_t i = 0; i < n; ++i) {
        const auto record = record_of(i);
        direct.add(record);
        file += report::scan_record_line(record) + '\n';
        if (i == n / 2) file += direct.to_json().dump() + '\n';  // a summary line in between
    }
    const auto complete = file.size();
    file += report::scan_record_line(record_of(n)).substr(0, 200);  // a kill mid-write

    std::istringstream in(file);
    report::ScanSummary earlier;
    const auto state = report::read_resume(in, &earlier);
    CHECK(state.valid_bytes == complete);
    CHECK(state.ignored_lines == 1);
    CHECK(state.keys.size() == n);
    for (std::size_t i = 0; i < n; i += 97) CHECK(state.keys.contains(key_of(i)));
    CHECK_FALSE(state.keys.contains(key_of(n)));  // the torn record does not count

    CHECK(earlier.targets() == n);
    CHECK(earlier.earlier == n);
    CHECK(without_earlier(earlier) == without_earlier(direct));
    REQUIRE(earlier.worst().size() == direct.worst().size());
    for (std::size_t i = 0; i < direct.worst().size(); ++i) {
        CHECK(earlier.worst()[i].key == direct.worst()[i].key);
        CHECK(earlier.worst()[i].reason == direct.worst()[i].reason);
        CHECK(earlier.worst()[i].rank == direct.worst()[i].rank);
    }
    // What the summary counted is what the records say.
    CHECK(earlier.count(scan::ScanVerdict::unreachable) == 2858);  // i % 7 in {0, 1}
    CHECK(earlier.count(scan::ScanVerdict::timeout) == 1429);      // i % 7 == 2
    CHECK(earlier.findings().at("cert.expired") > 0);
}

TEST_CASE("scan resume: the event parse reads what the JSON tree holds, and no more",
          "[scan][scale][resume]") {
    for (std::size_t i = 0; i < 14; ++i) {
        const auto line = report::scan_record_line(record_of(i));
        report::ScanRecordFields f;
        REQUIRE(report::read_scan_record_fields(line, f));
        const json j = json::parse(line);
        CHECK_FALSE(f.malformed);
        CHECK(f.record == "target");
        CHECK(f.key == j["key"].get<std::string>());
        CHECK(f.input_line == i + 1);
        CHECK(f.verdict == j["scan"]["verdict"].get<std::string>());
        CHECK(f.outcome == j["scan"]["outcome"].get<std::string>());
        CHECK(f.target_verdict == j["target_verdict"].get<std::string>());
        CHECK(f.findings.size() == j["findings"].size());
        CHECK(f.diagnosis.size() == j["diagnosis"].size());
        for (auto v : core::all_versions) {
            const auto& s = j["versions"][std::string(core::to_string(v))]["supported"];
            const auto k = static_cast<std::size_t>(v);
            CHECK(f.version_seen[k]);
            CHECK(f.supported[k] == (s.is_null() ? std::nullopt : std::optional(s.get<bool>())));
        }
    }
    report::ScanRecordFields f;
    // Not a JSON object: false.
    for (const char* bad : {"", "[1,2]", "\"target\"", "{\"record\":\"target\"", "{} x", "nul"})
        CHECK_FALSE(report::read_scan_record_fields(bad, f));
    // JSON, but the wrong type where the summary needs a value: malformed.
    for (const char* bad :
         {R"({"record":"target","key":"a:443","scan":[]})",
          R"({"record":"target","key":"a:443","scan":{"verdict":1}})",
          R"({"record":"target","key":"a:443","scan":{"verdict":"ok"},"findings":["x"]})",
          R"({"record":"target","key":"a:443","scan":{"verdict":"ok"},"versions":{"tls1_2":{"supported":2}}})"}) {
        INFO(bad);
        REQUIRE(report::read_scan_record_fields(bad, f));
        CHECK(f.malformed);
        report::ScanSummary s;
        CHECK_FALSE(s.add_earlier(f));
        CHECK(s.targets() == 0);
    }
    // Well-formed but incomplete (no versions for a completed record, a finding without id).
    report::ScanSummary s;
    REQUIRE(report::read_scan_record_fields(
        R"({"record":"target","key":"a:443","scan":{"outcome":"completed","verdict":"ok"}})", f));
    CHECK_FALSE(s.add_earlier(f));
    REQUIRE(report::read_scan_record_fields(
        R"({"record":"target","key":"a:443","scan":{"outcome":"deadline","verdict":"timeout"},"findings":[{"severity":"high"}]})",
        f));
    CHECK_FALSE(s.add_earlier(f));
    CHECK(s.targets() == 0);
    // A nested "key" is not the record's key.
    REQUIRE(report::read_scan_record_fields(R"({"record":"target","target":{"key":"x"}})", f));
    CHECK_FALSE(f.key);
}

TEST_CASE("scan resume: malformed records among 10000 count as ignored and change no counter",
          "[scan][scale][resume]") {
    std::string file;
    report::ScanSummary direct;
    for (std::size_t i = 0; i < 10000; ++i) {
        const auto record = record_of(i);
        if (i % 1000 == 500) {  // a record with a bad finding: ignored, its key still done
            json j = report::scan_record_json(record);
            j["findings"] = json::array({42});
            file += j.dump() + '\n';
            continue;
        }
        if (i % 1000 == 999) file += "not json at all\n";
        direct.add(record);
        file += report::scan_record_line(record) + '\n';
    }
    std::istringstream in(file);
    report::ScanSummary earlier;
    const auto state = report::read_resume(in, &earlier);
    CHECK(state.ignored_lines == 20);
    CHECK(state.keys.size() == 10000);
    CHECK(earlier.targets() == 9990);
    CHECK(without_earlier(earlier) == without_earlier(direct));
}
