// The scan engine and `tlsprobe scan` as a job: the concurrency bound (a fake probe that
// records how many run at once), deadlines, stopping mid-run, JSONL/CSV output, resume,
// sharding, and an end-to-end loopback scan of good, refused, reset and HTTP endpoints.
// Loopback only; every wait is bounded (fake probes hold a few ms; deadlines are short).
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "cli/scan_command.hpp"
#include "judge/verdict.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"
#include "probe/probe_target.hpp"
#include "report/scan_report.hpp"
#include "scan/scan.hpp"
#include "scan/scan_input.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A stand-in for probe_target: holds for a while (on a timer, like network I/O), counts
// how many run at once, and reports a working TLS 1.3 handshake.
struct Fake {
    std::atomic<int> in_flight{0};
    std::atomic<int> max_in_flight{0};
    std::atomic<int> calls{0};
    std::mutex mutex;
    std::multiset<std::string> hosts;
    std::chrono::milliseconds hold{2};
    std::atomic<bool>* stop = nullptr;  // set once `stop_after` calls have started
    int stop_after = 0;
    std::string slow_host;   // this host holds for 10 minutes (deadline tests)
    std::string throw_host;  // this host throws (a bug in the probe)
};

asio::awaitable<probe::TargetResult> fake_probe(Fake* f, probe::Target t) {
    const int now = ++f->in_flight;
    int seen = f->max_in_flight.load();
    while (now > seen && !f->max_in_flight.compare_exchange_weak(seen, now)) {
    }
    const int call = ++f->calls;
    if (f->stop && call == f->stop_after) f->stop->store(true);
    {
        std::lock_guard lock(f->mutex);
        f->hosts.insert(t.host);
    }
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             t.host == f->slow_host ? 10min : f->hold);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    --f->in_flight;
    if (t.host == f->throw_host) throw std::runtime_error("fake bug");
    probe::TargetResult r;
    r.target = std::move(t);
    probe::ProbeRecord p;
    p.spec.id = "offer_all";
    p.spec.kind = probe::AttemptKind::offer_all;
    p.spec.role = probe::ProbeRole::offer_all;
    p.observation.status = core::Status::negotiated;
    p.observation.phase = core::Phase::done;
    r.probes.push_back(p);
    r.facts = probe::decide_facts(r);
    r.verdict = judge::decide_verdict(r);  // no findings: a healthy target
    co_return r;
}

scan::TargetWork work_of(Fake& f) {
    return [&f](probe::Target t) { return fake_probe(&f, std::move(t)); };
}

// A source of `n` targets "hostI.example".
scan::ScanSource numbered(std::size_t n) {
    auto next = std::make_shared<std::size_t>(0);
    return [n, next]() -> std::optional<scan::ScanItem> {
        if (*next == n) return std::nullopt;
        const auto i = (*next)++;
        scan::ScanItem item;
        item.line = i + 1;
        item.target.host = "host" + std::to_string(i) + ".example";
        item.key = item.target.authority();
        return item;
    };
}

struct TempDir {
    fs::path path;
    TempDir() {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() / ("tlsprobe-scan-test-" + std::to_string(::getpid()) +
                                            "-" + std::to_string(counter++));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name, const std::string& content = {}) const {
        std::ofstream(path / name, std::ios::binary) << content;
        return (path / name).string();
    }
};

std::vector<json> read_jsonl(const std::string& path) {
    std::ifstream in(path);
    std::vector<json> lines;
    std::string line;
    while (std::getline(in, line)) {
        INFO("line: " << line);
        REQUIRE(!in.eof());  // every line is newline-terminated
        lines.push_back(json::parse(line));
    }
    return lines;
}

std::set<std::string> target_keys(const std::vector<json>& lines) {
    std::set<std::string> keys;
    for (const auto& j : lines)
        if (j["record"] == "target") keys.insert(j["key"].get<std::string>());
    return keys;
}

std::string numbered_input(int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text += "host" + std::to_string(i) + ".example\n";
    return text;
}

cli::ScanArgs args_of(std::string input) {
    cli::ScanArgs a;
    a.input = std::move(input);
    return a;
}

struct JobRun {
    int code;
    std::string out, err;
};

JobRun job(cli::ScanArgs args, Fake* fake, const std::atomic<bool>* stop = nullptr) {
    std::ostringstream out, err;
    cli::ScanJobIo io;
    io.stop = stop;
    int code = 0;
    if (fake) {
        const auto work = work_of(*fake);
        code = cli::run_scan_job(args, &work, out, err, io);
    } else {
        code = cli::run_scan_job(args, nullptr, out, err, io);
    }
    return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("scan engine: never more than --concurrency targets in flight", "[scan][engine]") {
    Fake fake;
    std::set<std::string> delivered;
    std::size_t records = 0;
    scan::ScanEngineOptions o;
    o.concurrency = 7;
    o.threads = 3;
    const auto totals = scan::run_scan(
        numbered(200), work_of(fake),
        [&](scan::ScanRecord&& r) {
            ++records;
            delivered.insert(r.item.key);
            CHECK(r.outcome == scan::ScanOutcome::completed);
        },
        o);
    CHECK(fake.max_in_flight.load() <= 7);
    CHECK(fake.max_in_flight.load() >= 2);  // it does run targets side by side
    CHECK(records == 200);
    CHECK(delivered.size() == 200);
    CHECK(totals.started == 200);
    CHECK(totals.completed == 200);
    CHECK_FALSE(totals.stopped);
    CHECK(fake.hosts.size() == 200);
}

TEST_CASE("scan engine: a target past its deadline is recorded as timed out, not lost",
          "[scan][engine]") {
    Fake fake;
    fake.slow_host = "host3.example";
    fake.throw_host = "host5.example";
    std::map<std::string, scan::ScanRecord> records;
    scan::ScanEngineOptions o;
    o.concurrency = 4;
    o.threads = 2;
    o.deadline = 200ms;
    scan::run_scan(
        numbered(10), work_of(fake),
        [&](scan::ScanRecord&& r) { records[r.item.target.host] = std::move(r); }, o);
    REQUIRE(records.size() == 10);
    const auto& slow = records["host3.example"];
    CHECK(slow.outcome == scan::ScanOutcome::deadline);
    CHECK(scan::scan_verdict(slow) == scan::ScanVerdict::timeout);
    CHECK(slow.verdict == scan::ScanVerdict::timeout);  // stored when the record was made
    CHECK_THAT(slow.detail, Catch::Contains("200 ms"));
    CHECK(slow.result.target.host == "host3.example");
    const auto& broken = records["host5.example"];
    CHECK(broken.outcome == scan::ScanOutcome::error);
    CHECK_THAT(broken.detail, Catch::Contains("fake bug"));
    CHECK(broken.verdict == scan::ScanVerdict::error);
    CHECK(scan::scan_verdict(records["host0.example"]) == scan::ScanVerdict::ok);
    CHECK(records["host0.example"].verdict == scan::ScanVerdict::ok);
}

TEST_CASE("scan engine: stop takes no new targets and delivers every started one",
          "[scan][engine]") {
    Fake fake;
    std::atomic<bool> stop{false};
    fake.stop = &stop;
    fake.stop_after = 25;
    std::size_t records = 0;
    scan::ScanEngineOptions o;
    o.concurrency = 8;
    o.threads = 2;
    o.stop = &stop;
    const auto totals = scan::run_scan(
        numbered(1000), work_of(fake), [&](scan::ScanRecord&&) { ++records; }, o);
    CHECK(totals.stopped);
    CHECK(totals.started >= 25);
    CHECK(totals.started < 1000);
    CHECK(totals.completed == totals.started);
    CHECK(records == totals.started);
}

TEST_CASE("scan engine: the rate limiter spaces starts evenly", "[scan][engine]") {
    scan::RateLimiter limiter(10.0);  // one start every 100 ms
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(limiter.reserve(t0) == t0);
    CHECK(limiter.reserve(t0) == t0 + 100ms);
    CHECK(limiter.reserve(t0 + 10ms) == t0 + 200ms);
    CHECK(limiter.reserve(t0 + 1s) == t0 + 1s);  // idle time does not build up a burst

    Fake fake;
    scan::ScanEngineOptions o;
    o.concurrency = 16;
    o.threads = 2;
    o.rate = 1000;  // fast enough for a test; the bound is what the unit checks above show
    std::size_t records = 0;
    scan::run_scan(
        numbered(20), work_of(fake), [&](scan::ScanRecord&&) { ++records; }, o);
    CHECK(records == 20);
}

TEST_CASE("scan job: JSONL and CSV per target, duplicates once, bad lines reported and skipped",
          "[scan][job]") {
    TempDir dir;
    Fake fake;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt",
                       "# estate\n"
                       "a.example\n"
                       "https://A.example:443/shop\n"  // the same target as line 2
                       "bad host\n"
                       "b.example:8443,192.0.2.1\n"
                       "c.example,,\"odd\"\n"  // a bad SNI
                       "[2001:db8::1]:443\n");
    a.jsonl = (dir.path / "out.jsonl").string();
    a.csv = (dir.path / "out.csv").string();
    const auto r = job(a, &fake);
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.err, Catch::Contains("line 4:") && Catch::Contains("line 6:"));
    CHECK_THAT(r.out, Catch::Contains("Scanned 3 targets") &&
                          Catch::Contains("2 bad input line(s)") &&
                          Catch::Contains("1 duplicate(s)"));
    CHECK(fake.calls == 3);

    const auto lines = read_jsonl(a.jsonl);
    REQUIRE(lines.size() == 4);
    CHECK(target_keys(lines) == std::set<std::string>{"a.example:443",
                                                      "b.example:8443,via=192.0.2.1",
                                                      "[2001:db8::1]:443"});
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(lines[i]["schema_version"] == 1);
        CHECK(lines[i]["scan"]["verdict"] == "ok");
        CHECK(lines[i]["input_line"].is_number());
    }
    const auto& summary = lines.back();
    CHECK(summary["record"] == "summary");
    CHECK(summary["targets"] == 3);
    CHECK(summary["input_errors"] == 2);
    CHECK(summary["duplicates"] == 1);
    CHECK(summary["verdicts"]["ok"] == 3);

    std::ifstream csv(a.csv);
    std::string header, row;
    std::getline(csv, header);
    CHECK(header.starts_with("line,key,host,port,"));
    int rows = 0;
    while (std::getline(csv, row)) ++rows;
    CHECK(rows == 3);
}

TEST_CASE("scan job: CSV quotes commas and quotes", "[scan][job]") {
    CHECK(report::csv_field("plain") == "plain");
    CHECK(report::csv_field("a,b") == "\"a,b\"");
    CHECK(report::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(report::csv_field("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("scan job: --resume skips what the JSONL holds and rewrites a torn last line",
          "[scan][job][resume]") {
    TempDir dir;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt", numbered_input(6));
    a.jsonl = (dir.path / "out.jsonl").string();
    {
        Fake first;
        auto partial = a;
        partial.input = dir.file("first.txt", numbered_input(3));
        REQUIRE(job(partial, &first).code == cli::kOk);
    }
    // A kill in the middle of a write leaves half a record.
    std::ofstream(a.jsonl, std::ios::app | std::ios::binary)
        << "{\"record\":\"target\",\"key\":\"host4.exa";

    Fake second;
    a.resume = true;
    const auto r = job(a, &second);
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.err, Catch::Contains("dropping"));
    CHECK_THAT(r.out, Catch::Contains("3 already in the JSONL file"));
    CHECK(second.hosts ==
          std::multiset<std::string>{"host3.example", "host4.example", "host5.example"});
    const auto lines = read_jsonl(a.jsonl);  // every line complete and valid
    CHECK(target_keys(lines).size() == 6);
    CHECK(lines.back()["record"] == "summary");

    // Nothing left: a third run probes nothing and still succeeds.
    Fake third;
    CHECK(job(a, &third).code == cli::kOk);
    CHECK(third.calls == 0);
    auto no_jsonl = args_of(a.input);
    no_jsonl.resume = true;
    CHECK(job(no_jsonl, &third).code == cli::kUsage);  // --resume needs --jsonl
}

TEST_CASE("scan job: stopped mid-run, the JSONL holds every completed target and a summary",
          "[scan][job]") {
    TempDir dir;
    std::atomic<bool> stop{false};
    Fake fake;
    fake.stop = &stop;
    fake.stop_after = 30;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt", numbered_input(500));
    a.jsonl = (dir.path / "out.jsonl").string();
    a.concurrency = 8;
    a.threads = 2;
    const auto r = job(a, &fake, &stop);
    CHECK_THAT(r.err, Catch::Contains("--resume"));
    const auto lines = read_jsonl(a.jsonl);
    REQUIRE(lines.size() >= 2);
    const auto& summary = lines.back();
    CHECK(summary["record"] == "summary");
    CHECK(summary["stopped"] == true);
    const auto completed = target_keys(lines).size();
    CHECK(completed ==
          static_cast<std::size_t>(fake.calls.load()));  // every started target has its record
    CHECK(completed < 500);
    CHECK(summary["targets"] == completed);
    CHECK(summary["not_started"].get<std::size_t>() + completed == 500);
}

TEST_CASE("scan job: N shards partition the input", "[scan][job][shard]") {
    TempDir dir;
    const auto input = dir.file("hosts.txt", numbered_input(60));
    std::set<std::string> all;
    std::size_t sum = 0;
    for (int k = 1; k <= 3; ++k) {
        Fake fake;
        cli::ScanArgs a;
        a.input = input;
        a.shard = std::to_string(k) + "/3";
        a.jsonl = (dir.path / ("part-" + std::to_string(k) + ".jsonl")).string();
        REQUIRE(job(a, &fake).code == cli::kOk);
        const auto keys = target_keys(read_jsonl(a.jsonl));
        sum += keys.size();
        all.insert(keys.begin(), keys.end());
    }
    CHECK(sum == 60);         // disjoint
    CHECK(all.size() == 60);  // complete
    Fake fake;
    auto bad_shard = args_of(input);
    bad_shard.shard = "4/3";
    CHECK(job(bad_shard, &fake).code == cli::kUsage);
}

TEST_CASE("scan job: usage errors exit 2 and name the value", "[scan][job]") {
    TempDir dir;
    Fake fake;
    auto r = job(args_of((dir.path / "missing.txt").string()), &fake);
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("missing.txt"));
    const auto input = dir.file("hosts.txt", "a.example\n");
    auto a = args_of(input);
    a.rate = "fast";
    r = job(a, &fake);
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("--rate 'fast'"));
    a = args_of(input);
    a.deadline = "soon";
    r = job(a, &fake);
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("--deadline"));
    r = job(args_of(dir.file("bad.txt", "bad host\n")), &fake);
    CHECK(r.code == cli::kUsage);  // no valid target at all
    std::ostringstream out, err;
    CHECK(cli::run({"scan", "--help"}, out, err) == cli::kOk);
    CHECK_THAT(out.str(), Catch::Contains("--shard") && Catch::Contains("Examples") &&
                              Catch::Contains("--resume"));
}

TEST_CASE("scan: a silent server holds its slot no longer than the deadline", "[scan][loopback]") {
    lab::RawServer silent(lab::silent());
    TempDir dir;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt", "127.0.0.1:" + std::to_string(silent.port()) + "\n");
    a.jsonl = (dir.path / "out.jsonl").string();
    a.timeout = "30s";  // the probe alone would wait this long
    a.deadline = "300ms";
    const auto r = job(a, nullptr);
    CHECK(r.code == cli::kFindings);
    const auto lines = read_jsonl(a.jsonl);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["scan"]["outcome"] == "deadline");
    CHECK(lines[0]["scan"]["verdict"] == "timeout");
    CHECK(silent.connections() >= 1);
}

TEST_CASE("scan: end to end over good, refused, reset and HTTP loopback endpoints",
          "[scan][loopback]") {
    std::vector<std::unique_ptr<lab::TlsServer>> good;
    std::vector<std::unique_ptr<lab::RawServer>> raw;
    std::map<std::string, std::string> expected;  // key -> verdict
    std::string input = "# loopback estate\n";
    auto add = [&](const std::string& line, const std::string& verdict) {
        input += line + "\n";
        auto parsed = scan::parse_scan_line(line);
        expected[std::get<scan::ScanTarget>(*parsed).key] = verdict;
    };
    for (int i = 0; i < 12; ++i) {
        // TLS 1.2 and 1.3 only: legacy versions would be a (medium) finding.
        good.push_back(
            std::make_unique<lab::TlsServer>(lab::config_for_case("good", TLS1_2_VERSION)));
        add("tlsprobe.test:" + std::to_string(good.back()->port()) + ",127.0.0.1", "ok");
    }
    for (int i = 0; i < 8; ++i)
        add("127.0.0.1:" + std::to_string(lab::closed_port()), "unreachable");
    for (int i = 0; i < 6; ++i) {
        raw.push_back(std::make_unique<lab::RawServer>(lab::reset_after_hello()));
        add("127.0.0.1:" + std::to_string(raw.back()->port()), "no_tls");
    }
    for (int i = 0; i < 6; ++i) {
        raw.push_back(std::make_unique<lab::RawServer>(lab::http_reply()));
        add("127.0.0.1:" + std::to_string(raw.back()->port()), "no_tls");
    }
    TempDir dir;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt", input);
    a.jsonl = (dir.path / "out.jsonl").string();
    a.csv = (dir.path / "out.csv").string();
    a.html = (dir.path / "out.html").string();
    a.ca_file = lab::testcert("root-ca.pem").string();
    a.timeout = "2s";
    a.concurrency = 16;
    const auto r = job(a, nullptr);
    CHECK(r.code == cli::kFindings);
    const auto lines = read_jsonl(a.jsonl);
    REQUIRE(lines.size() == expected.size() + 1);
    for (const auto& j : lines) {
        if (j["record"] != "target") continue;
        const auto key = j["key"].get<std::string>();
        INFO(key << ": " << j["scan"].dump());
        REQUIRE(expected.contains(key));
        CHECK(j["scan"]["verdict"] == expected[key]);
        CHECK(j["scan"]["outcome"] == "completed");
    }
    CHECK(lines.back()["verdicts"]["ok"] == 12);
    CHECK(lines.back()["verdicts"]["no_tls"] == 12);
    CHECK_THAT(r.out, Catch::Contains("Worst targets") && Catch::Contains("tls.unavailable"));
    // The HTML summary: the verdict, and the diagnoses the failing endpoints got.
    std::ifstream in(a.html);
    const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(html, Catch::Contains("<h1 id=\"verdict\">20 OF 32 NEED WORK</h1>"));
    CHECK_THAT(html,
               Catch::Contains("server.no_usable_certificate") && Catch::Contains("port.not_tls"));
}

TEST_CASE("scan engine: stop ends a long wait for the rate limiter", "[scan][engine][rate]") {
    // The limiter alone, with the time passed in: one start per hour.
    scan::RateLimiter hourly(1.0 / 3600);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(hourly.reserve(t0) == t0);
    CHECK(hourly.reserve(t0) == t0 + 1h);

    // The engine: the first target starts at once, the others wait an hour each; the sink's
    // first record sets stop, and every waiting target is dropped within a slice.
    Fake fake;
    std::atomic<bool> stop{false};
    scan::ScanEngineOptions o;
    o.concurrency = 4;
    o.threads = 1;
    o.rate = 1.0 / 3600;
    o.stop = &stop;
    std::size_t records = 0;
    const auto started = std::chrono::steady_clock::now();
    const auto totals = scan::run_scan(
        numbered(5), work_of(fake),
        [&](scan::ScanRecord&&) {
            ++records;
            stop = true;
        },
        o);
    CHECK(std::chrono::steady_clock::now() - started < 10s);  // not an hour
    CHECK(records == 1);
    CHECK(fake.calls == 1);
    CHECK(totals.started == 1);
    CHECK(totals.completed == 1);
    CHECK(totals.dropped == 3);  // the 3 other workers' targets; the first worker takes no more
    CHECK(totals.stopped);
}

TEST_CASE("scan job: --rate is bounded, with a usage error naming the value", "[scan][job][rate]") {
    TempDir dir;
    Fake fake;
    auto a = args_of(dir.file("hosts.txt", "a.example\n"));
    for (const std::string rate :
         {"1e-12", "0", "-5", "200000/s", "nan", "inf", "1/d", "0.5/h", "/s", ""}) {
        a.rate = rate;
        if (rate.empty()) continue;  // empty = unlimited
        const auto r = job(a, &fake);
        INFO(rate << ": " << r.err);
        CHECK(r.code == cli::kUsage);
        CHECK_THAT(r.err, Catch::Contains("--rate '" + rate + "'"));
    }
    a.rate = "1e-12";
    CHECK_THAT(job(a, &fake).err, Catch::Contains("between 1/h and 100000/s"));
    CHECK(fake.calls == 0);
    for (const std::string rate : {"1/h", "6/m", "100000/s", "100000", "2.5"}) {
        a.rate = rate;
        INFO(rate);
        CHECK(job(a, &fake).code == cli::kOk);  // one target: it starts at once
    }
}

TEST_CASE("scan job: control characters and over-long lines are reported and the scan goes on",
          "[scan][job][input]") {
    using namespace std::string_literals;
    TempDir dir;
    Fake fake;
    auto a = args_of(dir.file("hosts.txt",
                              "127.0.0.1\0junk:46199\n"s
                              "a.example,127.0.0.1\0evil\n"s
                              "127.0.0.1\0\xff\xfe:46197\n"s +
                                  std::string(10 * 1024 * 1024, 'x') +
                                  "\n"
                                  "good.example\n"));
    const auto r = job(a, &fake);
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.err, Catch::Contains("line 1: control character \\x00") &&
                          Catch::Contains("line 2: control character \\x00") &&
                          Catch::Contains("line 3: control character \\x00") &&
                          Catch::Contains("line 4: the line is longer than 4096 characters"));
    CHECK(r.err.find('\0') == std::string::npos);
    CHECK(r.err.find('\xff') == std::string::npos);
    CHECK(r.err.size() < 10000);
    CHECK(fake.hosts == std::multiset<std::string>{"good.example"});
    CHECK_THAT(r.out, Catch::Contains("4 bad input line(s)"));
    CHECK(r.out.find('\0') == std::string::npos);
}

TEST_CASE("scan job: no target at all is a usage error naming the input", "[scan][job][input]") {
    TempDir dir;
    Fake fake;
    for (const std::string content : {"", "# only a comment\n\n   \n", "bad host\n"}) {
        INFO("input: " << content);
        const auto r = job(args_of(dir.file("hosts.txt", content)), &fake);
        CHECK(r.code == cli::kUsage);
        CHECK_THAT(r.err,
                   Catch::Contains("no target in '" + (dir.path / "hosts.txt").string() + "'"));
        CHECK_THAT(r.out, !Catch::Contains("Scanned 0"));
    }
    const auto r = job(args_of(dir.path.string()), &fake);
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains(dir.path.string()) && Catch::Contains("is a directory"));

    std::istringstream empty_stdin("# nothing\n");
    std::ostringstream out, err;
    cli::ScanJobIo io;
    io.standard_input = &empty_stdin;
    const auto work = work_of(fake);
    CHECK(cli::run_scan_job(args_of("-"), &work, out, err, io) == cli::kUsage);
    CHECK_THAT(err.str(), Catch::Contains("no target in standard input"));
    CHECK(fake.calls == 0);
}

TEST_CASE("scan job: after --resume the summary and exit code cover every record of the file",
          "[scan][job][resume]") {
    TempDir dir;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt", "a.example\nbad.example\nslow.example\n");
    a.jsonl = (dir.path / "out.jsonl").string();
    a.deadline = "300ms";
    json first_summary;
    {
        Fake first;
        first.throw_host = "bad.example";  // an internal error
        first.slow_host = "slow.example";  // killed by its deadline
        const auto r = job(a, &first);
        REQUIRE(r.code == cli::kFindings);
        first_summary = read_jsonl(a.jsonl).back();
    }
    Fake second;
    a.resume = true;
    const auto r = job(a, &second);
    CHECK(second.calls == 0);  // nothing new
    CHECK(r.code == cli::kFindings);
    CHECK_THAT(r.out, Catch::Contains("Scanned 3 targets (0 in this run, 3 from earlier runs"));
    CHECK_THAT(r.out, Catch::Contains("timeout") && Catch::Contains("error") &&
                          Catch::Contains("slow.example"));
    const auto lines = read_jsonl(a.jsonl);
    const auto& summary = lines.back();
    REQUIRE(summary["record"] == "summary");
    CHECK(summary["targets"] == 3);
    CHECK(summary["earlier"] == 3);
    CHECK(summary["resumed"] == 3);
    CHECK(summary["verdicts"]["ok"] == 1);
    CHECK(summary["verdicts"]["error"] == 1);
    CHECK(summary["verdicts"]["timeout"] == 1);
    CHECK(summary["versions"] == first_summary["versions"]);
    CHECK(summary["findings"] == first_summary["findings"]);

    // One more target in the input: the third run probes it and still counts the rest.
    Fake third;
    std::ofstream(a.input, std::ios::app) << "d.example\n";
    const auto r3 = job(a, &third);
    CHECK(third.calls == 1);
    CHECK(r3.code == cli::kFindings);
    CHECK_THAT(r3.out, Catch::Contains("Scanned 4 targets (1 in this run, 3 from earlier runs"));
}

TEST_CASE("scan job: every output path is checked before the scan starts", "[scan][job][output]") {
    TempDir dir;
    Fake fake;
    const auto input = dir.file("hosts.txt", "a.example\n");
    const auto missing = (dir.path / "missing").string();
    auto a = args_of(input);
    a.jsonl = dir.path.string();
    a.resume = true;
    auto r = job(a, &fake);
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("--jsonl '" + dir.path.string() + "' is a directory"));
    for (auto field : {&cli::ScanArgs::jsonl, &cli::ScanArgs::csv, &cli::ScanArgs::html}) {
        a = args_of(input);
        a.*field = missing + "/out.file";
        r = job(a, &fake);
        CHECK(r.code == cli::kUsage);
        CHECK_THAT(r.err,
                   Catch::Contains(missing + "/out.file") && Catch::Contains("does not exist"));
    }
    if (::geteuid() != 0) {  // root writes anywhere
        const auto locked = dir.path / "locked";
        fs::create_directory(locked);
        ::chmod(locked.c_str(), 0500);
        a = args_of(input);
        a.csv = (locked / "out.csv").string();
        r = job(a, &fake);
        CHECK(r.code == cli::kUsage);
        CHECK_THAT(r.err, Catch::Contains("out.csv"));
        ::chmod(locked.c_str(), 0700);
    }
    CHECK(fake.calls == 0);  // nothing was scanned
}

TEST_CASE("probe -o: a directory or a missing directory exits 2 before probing and leaves no .tmp",
          "[cli][output]") {
    TempDir dir;
    const auto target = dir.path / "report";
    fs::create_directory(target);
    std::ostringstream out, err;
    // Port 9 on loopback: never probed, the output is checked first.
    CHECK(cli::run({"probe", "127.0.0.1:9", "-o", target.string()}, out, err) == cli::kUsage);
    CHECK_THAT(err.str(), Catch::Contains(target.string()) && Catch::Contains("is a directory"));
    CHECK_FALSE(fs::exists(target.string() + ".tmp"));
    CHECK(cli::run({"probe", "127.0.0.1:9", "--html", (dir.path / "no" / "r.html").string()}, out,
                   err) == cli::kUsage);
    CHECK_THAT(err.str(), Catch::Contains("r.html"));

    // write_file itself: no FILE.tmp left behind on a failure.
    CHECK_THROWS_AS(cli::write_file(target.string(), "x"), cli::UsageError);
    CHECK_FALSE(fs::exists(target.string() + ".tmp"));
    CHECK_THROWS_AS(cli::write_file((dir.path / "no" / "r.txt").string(), "x"), cli::UsageError);
    const auto ok = (dir.path / "ok.txt").string();
    cli::write_file(ok, "hello");
    CHECK(fs::file_size(ok) == 5);
    CHECK_FALSE(fs::exists(ok + ".tmp"));
}

TEST_CASE("scan job: --max-connections 1 still probes every target, one connection at a time",
          "[scan][loopback][budget]") {
    std::vector<std::unique_ptr<lab::TlsServer>> good;
    std::string input;
    for (int i = 0; i < 4; ++i) {
        good.push_back(
            std::make_unique<lab::TlsServer>(lab::config_for_case("good", TLS1_2_VERSION)));
        input += "tlsprobe.test:" + std::to_string(good.back()->port()) + ",127.0.0.1\n";
    }
    TempDir dir;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt", input);
    a.jsonl = (dir.path / "out.jsonl").string();
    a.ca_file = lab::testcert("root-ca.pem").string();
    a.timeout = "2s";
    a.concurrency = 4;
    a.max_connections = 1;
    const auto r = job(a, nullptr);
    CHECK(r.code == cli::kOk);
    const auto lines = read_jsonl(a.jsonl);
    REQUIRE(lines.size() == 5);
    CHECK(lines.back()["verdicts"]["ok"] == 4);
    for (const auto& s : good) CHECK(s->connections() > 0);

    // 0 is not a cap: a usage error naming the option.
    std::ostringstream out, err;
    CHECK(cli::run({"scan", a.input, "--max-connections", "0"}, out, err) == cli::kUsage);
    CHECK_THAT(err.str(), Catch::Contains("--max-connections"));
}

TEST_CASE("scan job: --full makes the follow-up attempts only for a target with a problem, and "
          "enumerates every healthy one",
          "[scan][loopback][full]") {
    lab::TlsServer good(lab::config_for_case("good", TLS1_2_VERSION));
    lab::RawServer reset(lab::reset_after_hello());
    const std::string good_key = "tlsprobe.test:" + std::to_string(good.port());
    const std::string reset_key = "127.0.0.1:" + std::to_string(reset.port());
    TempDir dir;
    cli::ScanArgs a;
    a.input = dir.file("hosts.txt", good_key + ",127.0.0.1\n" + reset_key + "\n");
    a.jsonl = (dir.path / "out.jsonl").string();
    a.ca_file = lab::testcert("root-ca.pem").string();
    a.timeout = "2s";
    a.full = true;
    a.checks = "none";
    a.clients.clients = "none";
    job(a, nullptr);
    const auto lines = read_jsonl(a.jsonl);
    REQUIRE(lines.size() == 3);
    std::map<std::string, nlohmann::json> by_key;
    for (const auto& j : lines)
        if (j["record"] == "target") by_key[j["key"].get<std::string>()] = j;
    REQUIRE(by_key.size() == 2);
    const auto ids = [](const nlohmann::json& j) {
        std::set<std::string> out;
        for (const auto& p : j["probes"]) out.insert(p["id"].get<std::string>());
        return out;
    };
    const auto& healthy = by_key.at(good_key + ",via=127.0.0.1");
    INFO(healthy["probes"].dump());
    CHECK(healthy["scan"]["verdict"] != "no_tls");  // "warn": the lab offers CBC suites
    // The first wave only: the OpenSSL versions, offer_all, no_sni, raw SSL 2.0/3.0.
    const auto healthy_ids = ids(healthy);
    CHECK(healthy_ids.contains("offer_all"));
    CHECK(healthy_ids.contains("raw_ssl3"));
    CHECK_FALSE(healthy_ids.contains("other_sni"));
    CHECK_FALSE(healthy_ids.contains("narrow_ciphers"));
    CHECK_FALSE(healthy_ids.contains("raw_tls1_2"));
    // ... and still the whole enumeration (null = not enumerated).
    CHECK(healthy["versions"]["tls1_2"]["ciphers"].is_array());
    CHECK_FALSE(healthy["versions"]["tls1_2"]["ciphers"].empty());
    CHECK_FALSE(healthy["versions"]["tls1_3"]["ciphers"].empty());

    const auto& failing = by_key.at(reset_key);
    INFO(failing["probes"].dump());
    CHECK(failing["scan"]["verdict"] == "no_tls");
    const auto failing_ids = ids(failing);
    CHECK(failing_ids.contains("other_sni"));
    CHECK(failing_ids.contains("narrow_ciphers"));
    CHECK(failing_ids.contains("raw_tls1_2"));
    CHECK(failing_ids.contains("raw_tls1_3"));
}
