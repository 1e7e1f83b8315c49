// The HTML reports as a browser lays them out: real demo scenarios probed on loopback, rendered
// as probe, scan and check pages, loaded in headless Chromium at 390, 800 and 1280 px. A copy
// of each page gets a measuring script (the shipped page has none, and its CSP forbids any);
// it reports horizontal overflow, words broken across lines and tables wider than their
// section, and whether the tables became cards. Screenshots stay in the build tree
// (html-layout/*.png) for a person to look at. Plus the renderer's own facts without a browser:
// the cipher-suite tables, the policy colours, the card captions.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "check_fixtures.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "probe/check.hpp"
#include "probe/probe_target.hpp"
#include "report/html.hpp"
#include "scan/scan.hpp"
#include "support.hpp"
#include "wire/client_hello.hpp"
#include "wire/hello_presets.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool have_chromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

// The scenarios probed as `tlsprobe demo` probes them (enumeration and every check kind).
std::vector<probe::TargetResult> probe_scenarios(const std::vector<std::string>& ids) {
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "Microsoft-IIS/10.0"));
    probe::ProbeOptions o;
    o.timeout = 1500ms;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.http_port = http.port();
    o.enumerate_ciphers = true;
    for (const auto* kind : probe::check_kinds()) o.checks.emplace_back(kind->id());
    // Two simulated clients, so the pages carry the client grid: one offering everything, one
    // with ECDSA suites only (which the RSA-certificate scenarios refuse).
    auto client = [](std::string name, const wire::ClientHelloSpec& spec, core::Version highest) {
        wire::ClientProfile p;
        p.name = std::move(name);
        p.hello = wire::encode_client_hello(spec);
        p.lowest = core::Version::tls1_0;
        p.highest = highest;
        p.current = true;
        return p;
    };
    wire::HelloOptions hello;
    hello.server_name = "www.example.com";
    const auto everything = wire::preset_offer_everything(hello);
    hello.cipher_suites = {0xC02B, 0xC02C};  // ECDHE-ECDSA-AES128/256-GCM
    const auto ecdsa_only = wire::preset_client_hello(core::Version::tls1_2, hello);
    o.client_profiles = std::make_shared<const std::vector<wire::ClientProfile>>(
        std::vector<wire::ClientProfile>{
            client("Modern browser (offers everything)", everything, core::Version::tls1_3),
            client("Embedded client with ECDSA suites only", ecdsa_only, core::Version::tls1_2)});
    std::vector<probe::TargetResult> out;
    for (const auto& id : ids) {
        const auto* s = lab::find_scenario(id);
        REQUIRE(s);
        auto server = lab::ScenarioServer::start(*s);
        auto t = probe::parse_target("tlsprobe.test:" + std::to_string(server->port()));
        t.connect_to = "127.0.0.1";
        out.push_back(test::judged(probe::probe_target_blocking(t, o)));
    }
    return out;
}

judge::CheckReport check_report(std::string_view policy,
                                const std::vector<probe::TargetResult>& results) {
    judge::CheckReport report;
    report.policy = judge::builtin_policy(policy);
    report.policy_source = "builtin:" + std::string(policy);
    for (const auto& r : results) report.targets.push_back({r, judge::evaluate(report.policy, r)});
    judge::finish(report);
    return report;
}

// A scan over the probed results under long, realistic keys, plus a deadline and an error.
report::ScanSummary scan_summary(const std::vector<probe::TargetResult>& results) {
    report::ScanSummary summary;
    std::size_t line = 1;
    const std::vector<std::string> hosts{"intranet-portal.eu-west-1.corp.example.com",
                                         "legacy-payments-gateway.internal.example.org",
                                         "mail.example.net"};
    for (const auto& r : results) {
        scan::ScanRecord rec;
        rec.item.line = line;
        rec.item.key = hosts[(line - 1) % hosts.size()] + ":8443";
        rec.item.target = r.target;
        rec.result = r;
        rec.verdict = scan::scan_verdict(rec);
        summary.add(rec);
        ++line;
    }
    scan::ScanRecord late;
    late.item = {line++, "slow-responder.datacenter-frankfurt.example.com:443", {}};
    late.outcome = scan::ScanOutcome::deadline;
    late.detail = "the per-target deadline of 30 s passed before the probe finished";
    late.verdict = scan::scan_verdict(late);
    summary.add(late);
    summary.elapsed = 12.5s;
    return summary;
}

// Measures the page on load and posts the result to the frame around it.
constexpr std::string_view kMeasure = R"js(<script>
addEventListener('load', () => {
  const W = innerWidth, out = {width: W, scrollWidth: document.documentElement.scrollWidth,
    broken: [], wide: [], tables: 0, cardTables: 0, wordsChecked: 0};
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    if (n.parentElement.closest('script,style')) continue;
    for (const m of n.data.matchAll(/[\p{L}\p{N}]+/gu)) {
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      if (rects.length > 0) ++out.wordsChecked;
      if (rects.length > 1)
        out.broken.push(m[0] + ' in <' + n.parentElement.tagName + '> "' + n.data.slice(0, 80) + '"');
    }
  }
  for (const t of document.querySelectorAll('table')) {
    ++out.tables;
    const box = t.getBoundingClientRect(), host = t.parentElement.getBoundingClientRect();
    if (box.right > host.right + 0.5 || t.scrollWidth > t.parentElement.clientWidth + 1)
      out.wide.push(t.className + ' ' + Math.round(box.width) + 'px in ' + Math.round(host.width) + 'px');
    const tr = t.querySelector('tbody tr');
    if (t.classList.contains('cards') && tr && getComputedStyle(tr).display === 'block') ++out.cardTables;
  }
  for (const e of document.querySelectorAll('section,header,.cell,.cert,.diag,p,h2,td')) {
    const box = e.getBoundingClientRect();
    if (box.width > 0 && box.right > W + 0.5)
      out.wide.push(e.tagName + '.' + e.className + ' ends at ' + Math.round(box.right) + 'px');
  }
  parent.postMessage(JSON.stringify(out), '*');
});
</script>)js";

struct Layout {
    int rc = -1;
    nlohmann::json verdict;  // null when the page did not report
    std::string err;
};

// One Chromium run: the page (with kMeasure) in an iframe `width` px wide (headless windows
// are at least 500 px wide, so narrower widths need the frame), screenshot and DOM together.
Layout layout(const fs::path& dir, const std::string& name, const std::string& html, int width) {
    constexpr int kHeight = 2400;
    auto copy = html;
    const std::string csp = "default-src 'none';";
    const auto at = copy.find(csp);
    REQUIRE(at != std::string::npos);
    copy.insert(at + csp.size(), " script-src 'unsafe-inline';");
    copy.insert(copy.rfind("</body>"), kMeasure);
    const auto page = dir / (name + ".measure.html");
    std::ofstream(page) << copy;
    const auto tag = name + "-" + std::to_string(width);
    const auto frame = dir / (tag + ".frame.html");
    std::ofstream(frame) << "<!DOCTYPE html><html><head><style>html{overflow:hidden}body{margin:0}"
                            "iframe{border:0;display:block}</style></head><body><iframe src=\""
                         << page.filename().string() << "\" style=\"width:" << width
                         << "px;height:" << kHeight
                         << "px\"></iframe><script>addEventListener('message', e => {"
                            "const p = document.createElement('pre'); p.id = 'verdict';"
                            "p.textContent = e.data; document.body.appendChild(p);});"
                            "</script></body></html>\n";
    const auto out = dir / (tag + ".dom"), err = dir / (tag + ".err");
    const auto cmd =
        "timeout 120 chromium --headless=new --no-sandbox --disable-gpu "
        "--disable-background-networking --no-first-run --disable-extensions "
        "--hide-scrollbars --user-data-dir='" +
        (dir / "profile").string() + "' --window-size=" + std::to_string(std::max(width, 500)) +
        "," + std::to_string(kHeight) + " --virtual-time-budget=5000 --screenshot='" +
        (dir / (tag + ".png")).string() + "' --dump-dom 'file://" + frame.string() + "' >'" +
        out.string() + "' 2>'" + err.string() + "'";
    Layout l;
    l.rc = std::system(cmd.c_str());
    l.err = slurp(err);
    const auto dom = slurp(out);
    const auto start = dom.find("<pre id=\"verdict\">");
    if (start != std::string::npos) {
        const auto body = start + std::string_view("<pre id=\"verdict\">").size();
        auto text = dom.substr(body, dom.find("</pre>", body) - body);
        for (auto [from, to] : {std::pair<std::string, std::string>{"&quot;", "\""},
                                {"&lt;", "<"},
                                {"&gt;", ">"},
                                {"&amp;", "&"}})
            for (auto p = text.find(from); p != std::string::npos; p = text.find(from, p + 1))
                text.replace(p, from.size(), to);
        l.verdict = nlohmann::json::parse(text, nullptr, false);
    }
    return l;
}

std::size_t count(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

// The protocol cell for `version` in the first target of a rendered page.
std::string cell_of(const std::string& html, std::string_view version) {
    const auto at = html.find("<b>" + std::string(version) + "</b>");
    if (at == std::string::npos) return "";
    const auto open = html.rfind("<div class=\"cell", at);
    return html.substr(open, html.find("</div>", at) - open);
}

}  // namespace

TEST_CASE("HTML: cipher-suite tables, policy colours and card captions come from stored facts",
          "[report][html]") {
    const auto results = probe_scenarios({"healthy"});
    const auto& r = results.front();
    REQUIRE(r.version(core::Version::tls1_2).supported == true);
    REQUIRE(r.version(core::Version::tls1_2).ciphers_enumerated);

    const auto probe_html = report::render_html(r);
    CHECK(probe_html.find("overflow-wrap:anywhere") == std::string::npos);
    // The client grid (the clients check's table): the refused client's row first.
    const auto grid = probe_html.find("<table class=\"check check-clients cards\">");
    REQUIRE(grid != std::string::npos);
    const auto refused = probe_html.find("Embedded client with ECDSA suites only", grid);
    REQUIRE(refused != std::string::npos);
    CHECK(refused < probe_html.find("Modern browser", grid));
    CHECK(probe_html.find("<span class=\"badge fail\">fail</span>", grid) <
          probe_html.find("<span class=\"badge pass\">ok</span>", grid));
    // Every enumerated suite of TLS 1.2 is a row; the names break only after '_'.
    CHECK_THAT(probe_html, Catch::Contains("<h3>Cipher suites · TLS 1.2</h3>"));
    for (const auto& c : r.version(core::Version::tls1_2).ciphers) {
        std::string name;
        for (char ch : c.name) name += ch == '_' ? std::string("_<wbr>") : std::string(1, ch);
        CHECK_THAT(probe_html, Catch::Contains("<code>" + name + "</code>"));
    }
    CHECK(count(probe_html, "data-label=\"suite\"") ==
          r.version(core::Version::tls1_2).ciphers.size() +
              r.version(core::Version::tls1_3).ciphers.size());
    // A probe without enumeration has no cipher tables.
    auto quick = r;
    for (auto& v : quick.versions) v.ciphers_enumerated = false;
    CHECK(report::render_html(quick).find("Cipher suites") == std::string::npos);

    // TLS 1.2 accepted: builtin:modern (TLS 1.3 only) fails on it and the cell is red;
    // builtin:intermediate (TLS 1.2 minimum) is satisfied and the cell is green.
    const auto modern = report::render_html(check_report("modern", results));
    const auto modern12 = cell_of(modern, "TLS 1.2");
    CHECK_THAT(modern12, Catch::StartsWith("<div class=\"cell fail\"") &&
                             Catch::Contains("fails protocol.<wbr>min_<wbr>version"));
    const auto inter = report::render_html(check_report("intermediate", results));
    CHECK_THAT(cell_of(inter, "TLS 1.2"), Catch::StartsWith("<div class=\"cell pass\""));
    CHECK_THAT(cell_of(inter, "TLS 1.0"), Catch::StartsWith("<div class=\"cell pass\"") &&
                                              Catch::Contains("refused"));
    // The plain probe page keeps its own colours (no policy): TLS 1.2 accepted is green.
    CHECK_THAT(cell_of(probe_html, "TLS 1.2"), Catch::StartsWith("<div class=\"cell pass\""));

    // Rows of every table that turns into cards carry their column's caption.
    for (const auto* page : {&probe_html, &modern}) {
        CHECK(count(*page, "<td") == count(*page, "<td data-label="));
    }
}

TEST_CASE("HTML reports laid out by headless Chromium at 390 800 and 1280 px",
          "[report][html][chromium][layout]") {
    if (!have_chromium()) {
        WARN("SKIPPED: chromium is not installed (`apt-get install -y chromium`; "
             "scripts/deps.sh installs it)");
        SUCCEED();
        return;
    }
    const auto results = probe_scenarios({"healthy", "legacy-versions", "missing-intermediate"});
    const auto dir = fs::current_path() / "html-layout";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::vector<std::pair<std::string, std::string>> pages{
        {"probe-legacy-versions", report::render_html(results[1])},
        {"probe-missing-intermediate", report::render_html(results[2])},
        {"scan", report::render_html(scan_summary(results))},
        {"check-modern", report::render_html(check_report("modern", results))},
    };
    for (const auto& [name, html] : pages) {
        std::ofstream(dir / (name + ".html")) << html;  // the page as shipped, to open by hand
        for (int width : {390, 800, 1280}) {
            INFO(name << " at " << width << " px");
            const auto l = layout(dir, name, html, width);
            INFO("chromium stderr tail: " << l.err.substr(l.err.size() > 600 ? l.err.size() - 600 : 0));
            CHECK(l.rc == 0);
            REQUIRE(l.verdict.is_object());
            const auto& v = l.verdict;
            INFO("verdict " << v.dump());
            CHECK(v["width"] == width);
            CHECK(v["scrollWidth"].get<int>() <= width);  // no horizontal scrolling
            CHECK(v["broken"].empty());                  // no word split across lines
            CHECK(v["wide"].empty());                    // no table or box wider than its place
            CHECK(v["wordsChecked"].get<int>() > 100);   // the check saw the page's text
            CHECK(v["tables"].get<int>() > 0);
            // Tables are cards on a phone, tables on a wider screen.
            if (width <= 600) CHECK(v["cardTables"].get<int>() > 0);
            else CHECK(v["cardTables"] == 0);
            CHECK(fs::file_size(dir / (name + "-" + std::to_string(width) + ".png")) > 10000);
        }
    }
}

TEST_CASE("conclude_versions: a failing rule wins, a passing one colours green, none is n/a",
          "[report][html][policy]") {
    using judge::RuleStatus;
    using core::Version;
    judge::RuleResult min, forbidden, modern;
    min.id = "protocol.min_version";
    min.versions = {{Version::tls1_0, RuleStatus::fail}, {Version::tls1_1, RuleStatus::pass}};
    forbidden.id = "protocol.forbidden_versions";
    forbidden.versions = {{Version::tls1_0, RuleStatus::pass}};
    modern.id = "protocol.modern_version";
    modern.versions = {{Version::tls1_2, RuleStatus::pass}};
    const auto c = judge::conclude_versions({min, forbidden, modern});
    REQUIRE(c.size() == core::all_versions.size());
    auto of = [&](Version v) {
        return *std::find_if(c.begin(), c.end(),
                             [&](const judge::VersionConclusion& x) { return x.version == v; });
    };
    CHECK(of(Version::tls1_0).status == RuleStatus::fail);
    CHECK(of(Version::tls1_0).rules == std::vector<std::string>{"protocol.min_version"});
    CHECK(of(Version::tls1_1).status == RuleStatus::pass);
    CHECK(of(Version::tls1_2).status == RuleStatus::pass);
    CHECK(of(Version::tls1_2).rules == std::vector<std::string>{"protocol.modern_version"});
    CHECK(of(Version::tls1_3).status == RuleStatus::not_applicable);
    CHECK(of(Version::tls1_3).rules.empty());
}
