// `tlsprobe diff` beyond versions, suites and the chain (issue 17): key-exchange groups, SNI
// behaviour, the HTTP checks, simulated clients, the `--policy` gate and the Markdown and HTML
// reports. Pure cases over probe documents, then loopback lab pairs that differ in one
// dimension each, driven through the command line.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <set>
#include <unistd.h>
#include <vector>

#include "cli_run.hpp"
#include "core/bytes.hpp"
#include "judge/diff.hpp"
#include "judge/policy_rules.hpp"
#include "lab/paths.hpp"
#include "lab/tls_server.hpp"
#include "report/diff_report.hpp"
#include "wire/client_hello.hpp"
#include "wire/hello_presets.hpp"

using namespace tlsprobe;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A probe document with TLS 1.2 and 1.3 accepted; the tests add what they compare.
json base_document() {
    json versions = json::object();
    for (const auto* id : {"ssl2", "ssl3", "tls1_0", "tls1_1", "tls1_2", "tls1_3"})
        versions[id] = {{"supported", std::string(id) == "tls1_2" || std::string(id) == "tls1_3"},
                        {"ciphers", nullptr},
                        {"groups", json::array()}};
    return {{"target", {{"host", "www.example"}, {"port", 443}, {"address", "192.0.2.1"}}},
            {"target_verdict", "ok"},
            {"versions", versions},
            {"chain", nullptr},
            {"findings", json::array()}};
}

const judge::DiffChange* find(const judge::EndpointDiff& d, std::string_view area,
                              std::string_view item) {
    for (const auto& c : d.changes)
        if (c.area == area && c.item == item) return &c;
    return nullptr;
}

judge::EndpointDiff diff_of(const json& before, const json& after,
                            std::optional<judge::DiffPolicy> policy = std::nullopt) {
    return judge::diff_endpoints(judge::snapshot_from_json(before),
                                 judge::snapshot_from_json(after), std::move(policy));
}

judge::RuleResult rule(std::string id, judge::RuleStatus status, std::string actual) {
    judge::RuleResult r;
    r.id = std::move(id);
    r.title = "title of " + r.id;
    r.status = status;
    r.actual = std::move(actual);
    return r;
}

// Every element opened is closed, in order (void elements excepted): the page parses as a
// tree. Attribute values never hold '<' or '>' (escaped), so a scan over tags is enough.
bool balanced_html(const std::string& html) {
    static const std::set<std::string> void_elements = {"meta", "br", "wbr", "link", "img"};
    std::vector<std::string> open;
    std::size_t pos = 0;
    for (int guard = 0; guard < 100000; ++guard) {
        pos = html.find('<', pos);
        if (pos == std::string::npos) return open.empty();
        const auto end = html.find('>', pos);
        if (end == std::string::npos) return false;
        const std::string tag = html.substr(pos + 1, end - pos - 1);
        pos = end + 1;
        if (tag.empty() || tag[0] == '!') continue;
        const bool closing = tag[0] == '/';
        const auto name_end = tag.find_first_of(" \t\n/", closing ? 1 : 0);
        const std::string name = tag.substr(closing ? 1 : 0, name_end == std::string::npos
                                                                 ? std::string::npos
                                                                 : name_end - (closing ? 1 : 0));
        if (void_elements.count(name)) continue;
        if (!closing) {
            open.push_back(name);
            if (name == "style") {  // CSS: skip to its end tag
                pos = html.find("</style>", pos);
                if (pos == std::string::npos) return false;
            }
            continue;
        }
        if (open.empty() || open.back() != name) return false;
        open.pop_back();
    }
    return false;
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "tlsprobe-diffdim-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

lab::TlsServerConfig quiet(std::string_view testcase, std::optional<int> min = TLS1_2_VERSION,
                           std::optional<int> max = std::nullopt) {
    auto c = lab::config_for_case(testcase, min, max);
    c.http_after_handshake = false;
    return c;
}

std::vector<std::string> live_args(unsigned short old_port, unsigned short new_port) {
    return {"diff",
            "tlsprobe.test:" + std::to_string(old_port),
            "tlsprobe.test:" + std::to_string(new_port),
            "--old-connect-to", "127.0.0.1",
            "--new-connect-to", "127.0.0.1",
            "--ca-file", lab::testcert("root-ca.pem").string(),
            "--timeout", "2s",
            "--no-http"};
}

const json* json_rule(const json& j, std::string_view id) {
    for (const auto& r : j["policy"]["rules"])
        if (r["id"] == id) return &r;
    return nullptr;
}

const json* json_change(const json& j, std::string_view area, std::string_view item) {
    for (const auto& c : j["changes"])
        if (c["area"] == area && c["item"] == item) return &c;
    return nullptr;
}

// One client of testssl.sh's client-simulation data, as the [clients] tests write it.
std::string client_block(const std::string& name, const wire::ClientHelloSpec& spec,
                         const std::string& lowest, const std::string& highest) {
    return fmt::format(
        "     names+=(\"{}\")\n     short+=(\"{}\")\n     ciphers+=(\"ECDHE-RSA-AES128-SHA\")\n"
        "     sni+=(\"$SNI\")\n     handshakebytes+=(\"{}\")\n"
        "     lowest_protocol+=(\"{}\")\n     highest_protocol+=(\"{}\")\n"
        "     minDhBits+=(-1)\n     requiresSha2+=(false)\n     current+=(true)\n\n",
        name, name, core::to_hex(wire::encode_client_hello(spec)), lowest, highest);
}

}  // namespace

TEST_CASE("diff: key-exchange groups lost and gained are listed, not regressions", "[diff]") {
    auto before = base_document(), after = base_document();
    before["versions"]["tls1_3"]["groups"] = json::array({"x25519", "secp256r1"});
    after["versions"]["tls1_3"]["groups"] = json::array({"secp256r1", "secp384r1"});
    const auto d = diff_of(before, after);
    const auto* lost = find(d, "groups", "x25519 (TLS 1.3)");
    REQUIRE(lost);
    CHECK(lost->change == "lost");
    CHECK_FALSE(lost->regression);
    const auto* gained = find(d, "groups", "secp384r1 (TLS 1.3)");
    REQUIRE(gained);
    CHECK(gained->change == "gained");
    CHECK_FALSE(d.regression);
    // Not recorded on one side (a --quick probe): nothing is compared.
    after["versions"]["tls1_3"]["groups"] = json::array();
    CHECK(diff_of(before, after).same());
}

TEST_CASE("diff: a no-SNI handshake lost is a regression, another-name behaviour is not",
          "[diff]") {
    auto before = base_document(), after = base_document();
    before["probes"] = json::array({{{"id", "no_sni"}, {"status", "negotiated"}},
                                    {{"id", "other_sni"}, {"status", "negotiated"}}});
    after["probes"] = json::array({{{"id", "no_sni"}, {"status", "alert"}},
                                   {{"id", "other_sni"}, {"status", "alert"}}});
    const auto d = diff_of(before, after);
    const auto* no_sni = find(d, "sni", "without SNI");
    REQUIRE(no_sni);
    CHECK(no_sni->before == "negotiated");
    CHECK(no_sni->after == "alert");
    CHECK(no_sni->regression);
    const auto* other = find(d, "sni", "another name");
    REQUIRE(other);
    CHECK_FALSE(other->regression);
    // The reverse (SNI-only hosting opened to clients without SNI): no regression.
    const auto back = diff_of(after, before);
    REQUIRE(find(back, "sni", "without SNI"));
    CHECK_FALSE(back.regression);
}

TEST_CASE("diff: plain HTTP lost is a regression, the HTTPS status and HSTS are listed",
          "[diff]") {
    auto before = base_document(), after = base_document();
    before["http"] = {{"status", "answered"}, {"http_status", 301}};
    after["http"] = {{"status", "refused"}, {"http_status", nullptr}};
    before["checks"] = {{"http", {{"status", 200}, {"hsts", {{"max_age", 63072000}}}}}};
    after["checks"] = {{"http", {{"status", 404}, {"hsts", nullptr}}}};
    const auto d = diff_of(before, after);
    const auto* plain = find(d, "http", "plain HTTP");
    REQUIRE(plain);
    CHECK(plain->before == "answered 301");
    CHECK(plain->after == "refused");
    CHECK(plain->regression);
    const auto* status = find(d, "http", "HTTPS response");
    REQUIRE(status);
    CHECK(status->before == "200");
    CHECK(status->after == "404");
    const auto* hsts = find(d, "http", "HSTS");
    REQUIRE(hsts);
    CHECK(hsts->change == "lost");
    CHECK(hsts->before == "max-age=63072000");
    CHECK_FALSE(hsts->regression);
    // HSTS alone changing is never a regression.
    auto same_http = after;
    same_http["http"] = before["http"];
    same_http["checks"]["http"]["status"] = 200;
    const auto only_hsts = diff_of(before, same_http);
    CHECK_FALSE(only_hsts.same());
    CHECK_FALSE(only_hsts.regression);
}

TEST_CASE("diff: a client that connected to OLD and fails on NEW is a regression with NEW's reason",
          "[diff]") {
    auto before = base_document(), after = base_document();
    before["checks"] = {
        {"clients",
         {{"clients", json::array({{{"name", "Old Android"}, {"connected", true}, {"failure", "none"}},
                                   {{"name", "Chrome"}, {"connected", true}, {"failure", "none"}},
                                   {{"name", "IE 6"}, {"connected", false},
                                    {"failure", "no_shared_version"}}})}}}};
    after["checks"] = {
        {"clients",
         {{"clients",
           json::array({{{"name", "Old Android"}, {"connected", false},
                         {"failure", "no_shared_version"}, {"detail", "server wants TLS 1.3"}},
                        {{"name", "Chrome"}, {"connected", true}, {"failure", "none"}},
                        {{"name", "IE 6"}, {"connected", true}, {"failure", "none"}}})}}}};
    const auto d = diff_of(before, after);
    const auto* lost = find(d, "clients", "Old Android");
    REQUIRE(lost);
    CHECK(lost->regression);
    CHECK(lost->after == "no_shared_version: server wants TLS 1.3");
    const auto* gained = find(d, "clients", "IE 6");
    REQUIRE(gained);
    CHECK_FALSE(gained->regression);
    CHECK_FALSE(find(d, "clients", "Chrome"));
    CHECK(d.regression);
    // The simulation ran on one side only (no client data on the other): not compared.
    auto no_data = base_document();
    no_data["checks"] = {{"clients", {{"clients", json::array()}, {"note", "skipped"}}}};
    CHECK(diff_of(before, no_data).same());
}

TEST_CASE("diff: the policy gate: a rule passing on OLD and failing on NEW is a regression, "
          "one failing on both is already failing",
          "[diff]") {
    using judge::RuleStatus;
    const std::vector<judge::RuleResult> old_rules = {
        rule("protocol.min_version", RuleStatus::pass, "TLS 1.2 or newer only"),
        rule("chain.complete", RuleStatus::fail, "an intermediate is missing"),
        rule("cert.validity", RuleStatus::fail, "expired"),
        rule("http.hsts", RuleStatus::pass, "max-age 730 days")};
    const std::vector<judge::RuleResult> new_rules = {
        rule("protocol.min_version", RuleStatus::fail, "TLS 1.0 accepted"),
        rule("chain.complete", RuleStatus::fail, "an intermediate is missing"),
        rule("cert.validity", RuleStatus::pass, "valid for 90 more days"),
        rule("http.hsts", RuleStatus::pass, "max-age 730 days")};
    const auto p = judge::compare_policy("golive", "golive.toml", old_rules, new_rules);
    REQUIRE(p.rules.size() == 4);
    CHECK(p.rules[0].outcome == "regression");
    CHECK(p.rules[0].regression);
    CHECK(p.rules[0].before_actual == "TLS 1.2 or newer only");
    CHECK(p.rules[0].after_actual == "TLS 1.0 accepted");
    CHECK(p.rules[1].outcome == "already_failing");
    CHECK_FALSE(p.rules[1].regression);
    CHECK(p.rules[2].outcome == "fixed");
    CHECK(p.rules[3].outcome == "unchanged");

    // With a policy the built-in rules do not gate: a lost TLS 1.2 alone is not a regression.
    auto before = base_document(), after = base_document();
    after["versions"]["tls1_2"]["supported"] = false;
    const auto only_failing =
        judge::compare_policy("golive", "golive.toml", {old_rules[1]}, {new_rules[1]});
    const auto d = diff_of(before, after, only_failing);
    CHECK_FALSE(d.regression);
    const auto* lost = find(d, "versions", "TLS 1.2");
    REQUIRE(lost);
    CHECK_FALSE(lost->regression);
    CHECK(diff_of(before, after).regression);  // without the policy it is one
    const auto gated = diff_of(before, before, p);
    CHECK(gated.regression);
    const auto text = report::render_diff_text(gated);
    CHECK_THAT(text, Catch::Contains("protocol.min_version") && Catch::Contains("REGRESSION") &&
                         Catch::Contains("TLS 1.0 accepted") &&
                         Catch::Contains("already failing"));
    const auto j = report::diff_to_json(gated);
    CHECK(j["regression"] == true);
    CHECK(j["policy"]["rules"][0]["outcome"] == "regression");
    CHECK(j["policy"]["rules"][1]["outcome"] == "already_failing");
    CHECK(report::diff_to_json(d)["policy"]["rules"][0]["regression"] == false);
    CHECK(report::diff_to_json(diff_of(before, after))["policy"].is_null());
}

TEST_CASE("diff: Markdown and HTML name every difference and the policy outcome", "[diff]") {
    auto before = base_document(), after = base_document();
    before["target"]["host"] = "old<script>";
    before["versions"]["tls1_3"]["groups"] = json::array({"x25519", "secp256r1"});
    after["versions"]["tls1_3"]["groups"] = json::array({"secp256r1"});
    before["probes"] = json::array({{{"id", "no_sni"}, {"status", "negotiated"}}});
    after["probes"] = json::array({{{"id", "no_sni"}, {"status", "reset"}}});
    using judge::RuleStatus;
    const auto p = judge::compare_policy(
        "golive", "golive.toml", {rule("chain.trusted", RuleStatus::pass, "trusted"),
                                  rule("chain.complete", RuleStatus::fail, "incomplete")},
        {rule("chain.trusted", RuleStatus::fail, "not trusted"),
         rule("chain.complete", RuleStatus::fail, "incomplete")});
    const auto d = diff_of(before, after, p);

    const auto md = report::render_diff_markdown(d);
    CHECK_THAT(md, Catch::StartsWith("## tlsprobe diff: REGRESSION"));
    CHECK_THAT(md, Catch::Contains("### Key-exchange groups") && Catch::Contains("x25519") &&
                       Catch::Contains("### SNI behaviour") && Catch::Contains("without SNI") &&
                       Catch::Contains("`chain.trusted`") && Catch::Contains("**REGRESSION**") &&
                       Catch::Contains("already failing"));
    // Server and user text is never markup: a word Markdown or HTML would read goes into a
    // code span, where it is literal.
    CHECK_THAT(md, Catch::Contains("`old<script>:443`"));

    const auto html = report::render_diff_html(d);
    CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>"));
    CHECK_THAT(html, Catch::Contains("Content-Security-Policy") &&
                         Catch::Contains("<h1 id=\"verdict\">REGRESSION</h1>") &&
                         Catch::Contains("Key-exchange groups") && Catch::Contains("x25519") &&
                         Catch::Contains("without SNI") && Catch::Contains("chain.trusted") &&
                         Catch::Contains("already failing"));
    CHECK(html.find("<script") == std::string::npos);
    CHECK_THAT(html, Catch::Contains("old&lt;script&gt;"));
    CHECK(balanced_html(html));

    const auto same = report::render_diff_html(diff_of(base_document(), base_document()));
    CHECK_THAT(same, Catch::Contains("<h1 id=\"verdict\">NO DIFFERENCE</h1>"));
    CHECK(balanced_html(same));
    CHECK_THAT(report::render_diff_markdown(diff_of(base_document(), base_document())),
               Catch::Contains("No difference"));
}

TEST_CASE("diff --policy: a rule passing on OLD and failing on NEW exits 1, the same server "
          "exits 0, a rule failing on both does not gate",
          "[diff][loopback]") {
    lab::TlsServer good(quiet("good")), good2(quiet("good")), broken(quiet("leaf-only")),
        broken2(quiet("leaf-only"));
    TempDir dir;
    const auto policy = (dir.path / "golive.toml").string();
    std::ofstream(policy) << "name = \"golive\"\n[chain]\ncomplete = true\n";
    const auto md = (dir.path / "diff.md").string(), html = (dir.path / "diff.html").string();

    auto args = live_args(good.port(), broken.port());
    for (const auto* a : {"--quick", "--policy"}) args.emplace_back(a);
    args.push_back(policy);
    for (const auto& a : {std::string("--markdown"), md, std::string("--html"), html})
        args.push_back(a);
    const auto r = test::run_cli(args);
    INFO(r.out << r.err);
    CHECK(r.code == cli::kFindings);
    CHECK_THAT(r.out, Catch::Contains("Policy golive") && Catch::Contains("chain.complete") &&
                          Catch::Contains("REGRESSION"));
    CHECK_THAT(slurp(md), Catch::Contains("`chain.complete`") &&
                              Catch::Contains("**REGRESSION**"));
    const auto page = slurp(html);
    CHECK_THAT(page, Catch::Contains("<h1 id=\"verdict\">REGRESSION</h1>") &&
                         Catch::Contains("chain.complete"));
    CHECK(balanced_html(page));

    auto same = live_args(good.port(), good2.port());
    for (const auto* a : {"--quick", "--json", "--policy"}) same.emplace_back(a);
    same.push_back(policy);
    const auto s = test::run_cli(same);
    INFO(s.out << s.err);
    CHECK(s.code == cli::kOk);
    const auto sj = json::parse(s.out);
    REQUIRE(sj["policy"].is_object());
    const auto* same_rule = json_rule(sj, "chain.complete");
    REQUIRE(same_rule);
    CHECK((*same_rule)["outcome"] == "unchanged");
    CHECK((*same_rule)["new"] == "pass");

    // Both broken: the rule fails on both sides, reported and not gating.
    auto both = live_args(broken.port(), broken2.port());
    for (const auto* a : {"--quick", "--json", "--policy"}) both.emplace_back(a);
    both.push_back(policy);
    const auto b = test::run_cli(both);
    INFO(b.out << b.err);
    CHECK(b.code == cli::kOk);
    const auto bj = json::parse(b.out);
    const auto* both_rule = json_rule(bj, "chain.complete");
    REQUIRE(both_rule);
    CHECK((*both_rule)["outcome"] == "already_failing");
    CHECK(bj["regression"] == false);
}

TEST_CASE("diff --policy: a bad policy or a saved side is a usage error (exit 2)", "[diff]") {
    TempDir dir;
    const auto saved = (dir.path / "saved.json").string();
    std::ofstream(saved) << base_document().dump();
    const auto bad = test::run_cli({"diff", saved, saved, "--policy", "builtin:nonsense"});
    CHECK(bad.code == cli::kUsage);
    CHECK_THAT(bad.err, Catch::Contains("bad policy"));
    const auto file = test::run_cli({"diff", saved, saved, "--policy", "builtin:intermediate"});
    CHECK(file.code == cli::kUsage);
    CHECK_THAT(file.err, Catch::Contains("--policy") && Catch::Contains("saved result"));
    // Without --policy the same files compare (exit 0).
    CHECK(test::run_cli({"diff", saved, saved}).code == cli::kOk);
}

TEST_CASE("diff: servers accepting different key-exchange groups", "[diff][loopback]") {
    auto a = quiet("good", TLS1_3_VERSION), b = quiet("good", TLS1_3_VERSION);
    a.groups = "X25519:P-256";
    b.groups = "P-256";
    lab::TlsServer old_server(a), new_server(b);
    auto args = live_args(old_server.port(), new_server.port());
    for (const auto* x : {"--checks", "none", "--json"}) args.emplace_back(x);
    const auto r = test::run_cli(args);
    INFO(r.out << r.err);
    const auto j = json::parse(r.out);
    const auto* lost = json_change(j, "groups", "x25519 (TLS 1.3)");
    REQUIRE(lost);
    CHECK((*lost)["change"] == "lost");
    CHECK((*lost)["regression"] == false);
}

TEST_CASE("diff: a server that refuses clients without SNI replaces one that served them",
          "[diff][loopback]") {
    auto b = quiet("good");
    b.sni_policy = lab::SniPolicy::unknown_name_alert_112;
    lab::TlsServer old_server(quiet("good")), new_server(b);
    auto args = live_args(old_server.port(), new_server.port());
    for (const auto* x : {"--quick", "--json"}) args.emplace_back(x);
    const auto r = test::run_cli(args);
    INFO(r.out << r.err);
    CHECK(r.code == cli::kFindings);
    const auto j = json::parse(r.out);
    const auto* sni = json_change(j, "sni", "without SNI");
    REQUIRE(sni);
    CHECK((*sni)["before"] == "negotiated");
    CHECK((*sni)["regression"] == true);
}

TEST_CASE("diff: the http check finds HSTS dropped by the new server", "[diff][loopback]") {
    auto a = lab::config_for_case("good", TLS1_2_VERSION);
    a.http_headers = {"Strict-Transport-Security: max-age=63072000"};
    auto b = lab::config_for_case("good", TLS1_2_VERSION);
    lab::TlsServer old_server(a), new_server(b);
    auto args = live_args(old_server.port(), new_server.port());
    for (const auto* x : {"--quick", "--checks", "http", "--json"}) args.emplace_back(x);
    const auto r = test::run_cli(args);
    INFO(r.out << r.err);
    const auto j = json::parse(r.out);
    const auto* hsts = json_change(j, "http", "HSTS");
    REQUIRE(hsts);
    CHECK((*hsts)["change"] == "lost");
    CHECK((*hsts)["before"] == "max-age=63072000");
    CHECK((*hsts)["regression"] == false);
}

TEST_CASE("diff: a simulated TLS 1.2 client that connected to OLD fails on a TLS 1.3-only NEW",
          "[diff][loopback]") {
    TempDir dir;
    const auto data = (dir.path / "clients.txt").string();
    wire::HelloOptions o12;
    o12.server_name = "www.ssllabs.com";  // replaced with the target's name
    wire::HelloOptions o13 = o12;
    std::ofstream(data) << client_block("Old TLS12", wire::preset_client_hello(core::Version::tls1_2, o12),
                                        "0x0301", "0x0303")
                        << client_block("Modern", wire::preset_offer_everything(o13), "0x0301",
                                        "0x0304");
    lab::TlsServer old_server(quiet("good")), new_server(quiet("good", TLS1_3_VERSION));
    auto args = live_args(old_server.port(), new_server.port());
    for (const auto* x : {"--quick", "--checks", "clients", "--clients", "all", "--json",
                          "--client-data"})
        args.emplace_back(x);
    args.push_back(data);
    const auto r = test::run_cli(args);
    INFO(r.out << r.err);
    CHECK(r.code == cli::kFindings);
    const auto j = json::parse(r.out);
    const auto* lost = json_change(j, "clients", "Old TLS12");
    REQUIRE(lost);
    CHECK((*lost)["regression"] == true);
    CHECK((*lost)["before"] == "connects");
    CHECK_THAT((*lost)["after"].get<std::string>(), Catch::Contains("no_shared_version"));
    CHECK_FALSE(json_change(j, "clients", "Modern"));
}
