// The gate's reports over constructed results: JUnit validated with libxml2 against the JUnit
// schema of Ant (tests/data/junit-ant.xsd) and its counts checked; Markdown; the HTML report
// escaped, self-contained, and loaded in headless Chromium (screenshot, no console messages,
// the verdict shown).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <memory>

#include "check_fixtures.hpp"
#include "judge/finding.hpp"
#include "judge/policy_rules.hpp"
#include "judge/verdict.hpp"
#include "report/html.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"
#include "report/xml_writer.hpp"

using namespace tlsprobe;
namespace fs = std::filesystem;

namespace {

judge::TargetCheck checked(probe::TargetResult r, const judge::Policy& p) {
    auto rules = judge::evaluate(p, r);
    return {std::move(r), std::move(rules)};
}

// good (pass), expired (fail on cert.validity), unreachable; the policy adds rules that are
// n/a on constructed results (no_sni) so every JUnit outcome appears.
judge::CheckReport sample_report() {
    judge::CheckReport report;
    report.policy = judge::builtin_policy("intermediate");
    report.policy.no_sni = judge::NoSniBehaviour::same_certificate;
    report.policy_source = "builtin:intermediate";
    report.targets.push_back(checked(testing::constructed_result("good"), report.policy));
    auto expired = testing::constructed_result("expired");
    expired.target = probe::parse_target("expired.tlsprobe.test:8443");
    expired.findings.push_back({"cert.expired", probe::Severity::high, "Certificate expired",
                                "Expired <2020-01-01> & \"gone\""});
    expired.diagnosis.push_back({"cert.expired",
                                 {"S2"},
                                 probe::Confidence::high,
                                 "The certificate expired <script>alert(1)</script>.",
                                 {"not after 2020-01-01"},
                                 {"ERR_CERT_DATE_INVALID"},
                                 {"certutil -verifystore my <sha1>"},
                                 {"Renew the certificate & rebind it"},
                                 "generic",
                                 {}});
    report.targets.push_back(checked(std::move(expired), report.policy));
    report.targets.push_back(checked(testing::unreachable_result(), report.policy));
    judge::finish(report);  // where the CLI assembles the report: verdicts and counts are stored
    return report;
}

struct XmlDocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocFree>;

std::string attr(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    if (!v) return "";
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return s;
}

std::vector<xmlNode*> children(xmlNode* n, std::string_view name) {
    std::vector<xmlNode*> out;
    for (xmlNode* c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(c->name))
            out.push_back(c);
    return out;
}

std::string schema_messages;
// libxml2's error callback is variadic; the format string alone says enough for a test log.
void collect_schema_message(void*, const char* msg, ...) { schema_messages += msg; }

// Validates against tests/data/junit-ant.xsd; returns libxml2's messages (empty when valid).
std::string schema_errors(xmlDoc* doc) {
    auto& errors = schema_messages;
    errors.clear();
    const auto sink = &collect_schema_message;
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(TLSPROBE_TESTS_DIR "/data/junit-ant.xsd");
    xmlSchemaPtr schema = xmlSchemaParse(pctx);
    REQUIRE(schema != nullptr);
    xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidErrors(vctx, reinterpret_cast<xmlSchemaValidityErrorFunc>(sink),
                            reinterpret_cast<xmlSchemaValidityWarningFunc>(sink), nullptr);
    const int rc = xmlSchemaValidateDoc(vctx, doc);
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctx);
    if (rc != 0 && errors.empty()) errors = "invalid (rc " + std::to_string(rc) + ")";
    return errors;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

fs::path scratch_dir(const std::string& name) {
    const auto dir =
        fs::temp_directory_path() / ("tlsprobe-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

struct ChromiumRun {
    int rc;
    std::string out, err;
};

// Runs Debian's chromium headless on a file with extra arguments; stdout and stderr captured.
ChromiumRun chromium(const fs::path& dir, const fs::path& page, const std::string& action) {
    const auto out = dir / "chromium.out", err = dir / "chromium.err";
    const auto cmd =
        "timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
        "--no-first-run --user-data-dir='" +
        (dir / "profile").string() + "' --enable-logging=stderr --v=0 --window-size=412,915 " +
        action + " 'file://" + page.string() + "' >'" + out.string() + "' 2>'" + err.string() + "'";
    const int rc = std::system(cmd.c_str());
    return {rc, slurp(out), slurp(err)};
}

// Console messages Chromium logged for the page (script errors, CSP violations, failed loads).
std::vector<std::string> console_lines(const std::string& err) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < err.size()) {
        const auto end = err.find('\n', pos);
        const auto line = err.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (line.find(":CONSOLE") != std::string::npos) out.push_back(line);
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

bool have_chromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("escape_xml escapes markup and replaces characters XML cannot carry", "[report][junit]") {
    CHECK(report::escape_xml("<a href=\"x\">'&'</a>") ==
          "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    CHECK(report::escape_xml(std::string("NUL\0ESC\x1b", 8)) ==
          "NUL\xEF\xBF\xBD"
          "ESC\xEF\xBF\xBD");
    CHECK(report::escape_xml("tab\tok, caf\xC3\xA9, \xE2\x9C\x85") ==
          "tab\tok, caf\xC3\xA9, \xE2\x9C\x85");
    CHECK(report::escape_xml("\xC3(") == "\xEF\xBF\xBD(");                // truncated sequence
    CHECK(report::escape_xml("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
}

TEST_CASE("JUnit: valid against the strict Ant schema, one testsuite per target, one testcase "
          "per applicable rule",
          "[report][junit]") {
    auto report = sample_report();
    // server-provided text with markup and control bytes must not break the document
    report.targets[1].rules.back().evidence.push_back(
        std::string("banner <b>\x01\x02</b> ]]> &", 19));
    const auto xml = report::render_junit(report, {.hostname = "ci-runner-7"});
    XmlDoc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "junit.xml", nullptr,
                             XML_PARSE_NONET));
    REQUIRE(doc);
    CHECK(schema_errors(doc.get()) == "");

    xmlNode* root = xmlDocGetRootElement(doc.get());
    CHECK(std::string(reinterpret_cast<const char*>(root->name)) == "testsuites");
    CHECK(root->properties == nullptr);  // the strict schema: no attributes on <testsuites>
    const auto suites = children(root, "testsuite");
    REQUIRE(suites.size() == 3);
    for (std::size_t i = 0; i < suites.size(); ++i) {
        const auto cases = children(suites[i], "testcase");
        std::size_t failures = 0, errors = 0;
        for (auto* c : cases) {
            failures += children(c, "failure").size();
            errors += children(c, "error").size();
            CHECK(attr(c, "classname") == "tlsprobe.check");  // no host name as packages
            CHECK_THAT(attr(c, "name"), Catch::EndsWith("(" + attr(suites[i], "name") + ")"));
        }
        INFO(attr(suites[i], "name"));
        CHECK(std::stoul(attr(suites[i], "tests")) == cases.size());
        CHECK(std::stoul(attr(suites[i], "failures")) == failures);
        CHECK(std::stoul(attr(suites[i], "errors")) == errors);
        CHECK(attr(suites[i], "id") == std::to_string(i));
        CHECK(attr(suites[i], "hostname") == "ci-runner-7");
        CHECK(attr(suites[i], "timestamp").find('Z') == std::string::npos);
        const auto& check = report.targets[i];
        const auto counts = judge::count_rules(check.rules);
        CHECK(failures == counts.fail);
        CHECK(cases.size() == counts.pass + counts.fail + errors);  // n/a rules are no testcase
        CHECK(check.counts.fail == counts.fail);  // the stored counts are the decided ones
        // ... but each is listed, with its reason, in the suite's system-out
        const auto out = children(suites[i], "system-out");
        REQUIRE(out.size() == 1);
        xmlChar* text = xmlNodeGetContent(out[0]);
        const std::string listed(text ? reinterpret_cast<const char*>(text) : "");
        xmlFree(text);
        for (const auto& rule : check.rules)
            if (rule.status == judge::RuleStatus::not_applicable)
                CHECK_THAT(listed, Catch::Contains("not applicable: " + rule.id + ":"));
    }

    CHECK(attr(suites[0], "name") == "tlsprobe.test:443");
    CHECK(attr(suites[0], "failures") == "0");
    // the expired target: exactly one failure, on cert.validity, with its evidence
    std::vector<xmlNode*> failed;
    for (auto* c : children(suites[1], "testcase"))
        if (!children(c, "failure").empty()) failed.push_back(c);
    REQUIRE(failed.size() == 1);
    CHECK_THAT(attr(failed[0], "name"), Catch::StartsWith("cert.validity"));
    auto* failure = children(failed[0], "failure").front();
    CHECK(attr(failure, "type") == "cert.validity");
    xmlChar* text = xmlNodeGetContent(failure);
    const std::string body(reinterpret_cast<const char*>(text));
    xmlFree(text);
    CHECK_THAT(body, Catch::Contains("expected: valid now") && Catch::Contains("2019-01-01"));
    // the unreachable target: one error testcase; its rules (none applies) are listed only
    const auto down = children(suites[2], "testcase");
    REQUIRE(down.size() == 1);
    CHECK_THAT(attr(down[0], "name"), Catch::StartsWith("target.reachable"));
    CHECK(children(down[0], "error").size() == 1);

    SECTION("with --strict a rule that does not apply is a failing testcase, still valid") {
        report.strict = true;
        judge::finish(report);
        const auto strict = report::render_junit(report);
        XmlDoc strict_doc(xmlReadMemory(strict.data(), static_cast<int>(strict.size()),
                                        "junit.xml", nullptr, XML_PARSE_NONET));
        REQUIRE(strict_doc);
        CHECK(schema_errors(strict_doc.get()) == "");
        CHECK_THAT(strict, Catch::Contains("type=\"not_applicable\""));
    }
}

TEST_CASE("the strict JUnit schema refuses what the old report wrote", "[report][junit]") {
    // The negative case: each of issue 16's complaints makes the document invalid.
    const std::string suite_ok =
        "<testsuite name=\"t\" timestamp=\"2026-11-24T14:40:51\" hostname=\"h\" tests=\"0\" "
        "failures=\"0\" errors=\"0\" time=\"0\" id=\"0\" package=\"p\"><properties/>"
        "<system-out/><system-err/></testsuite>";
    auto validate = [](const std::string& body) {
        const std::string xml = "<?xml version=\"1.0\"?>" + body;
        XmlDoc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "x.xml", nullptr,
                                 XML_PARSE_NONET));
        REQUIRE(doc);
        return schema_errors(doc.get());
    };
    CHECK(validate("<testsuites>" + suite_ok + "</testsuites>") == "");
    CHECK(validate("<testsuites tests=\"0\">" + suite_ok + "</testsuites>") != "");
    auto with = [&](std::string from, std::string to) {
        auto s = suite_ok;
        s.replace(s.find(from), from.size(), to);
        return "<testsuites>" + s + "</testsuites>";
    };
    CHECK(validate(with("2026-11-24T14:40:51", "2026-11-24T14:40:51Z")) != "");
    CHECK(validate(with(" hostname=\"h\"", "")) != "");
    CHECK(validate(with(" id=\"0\"", "")) != "");
    CHECK(validate(with(" package=\"p\"", "")) != "");
    CHECK(validate(with("<system-err/>", "")) != "");
    CHECK(validate(with("<properties/>", "<properties/><testcase name=\"n\" classname=\"c\" "
                                         "time=\"0\"><skipped/></testcase>")) != "");
}

TEST_CASE("Markdown: verdict first, summary table, evidence of failures, cells escaped",
          "[report][markdown]") {
    auto report = sample_report();
    report.targets[0].rules[0].actual = "a | b [x](http://evil)";
    const auto md = report::render_markdown(report);
    CHECK_THAT(md, Catch::StartsWith("## tlsprobe check: ❌ FAIL"));
    CHECK_THAT(md, Catch::Contains("| target | verdict | pass | fail | n/a |"));
    CHECK_THAT(md, Catch::Contains("| expired.tlsprobe.test:8443 | ❌ FAIL |"));
    CHECK_THAT(md, Catch::Contains("| down.example:443 | ⚠️ UNREACHABLE |"));
    CHECK_THAT(md, Catch::Contains("**Evidence for the failures**") &&
                       Catch::Contains("- `cert.validity`"));
    // Markup in text goes into code spans, where it is shown and never interpreted: no link,
    // no tag; and no entity or backslash escape (a table cell's '|' is the one escape GFM needs).
    CHECK_THAT(md, Catch::Contains("a `\\|` b `[x](http://evil)`"));
    CHECK_THAT(md, Catch::Contains("`<script>alert(1)</script>.`"));
    CHECK_THAT(md, Catch::Contains("- fix: Renew the certificate `&` rebind it"));
    std::string outside_code;  // the Markdown with every code span removed
    bool in_code = false;
    for (char c : md) {
        if (c == '`') in_code = !in_code;
        else if (!in_code) outside_code += c;
    }
    CHECK(outside_code.find_first_of("<>&") == std::string::npos);
    CHECK(md.find("&lt;") == std::string::npos);
    CHECK(md.find("&gt;") == std::string::npos);
    CHECK(md.find("&amp;") == std::string::npos);
    CHECK(md.find("\\_") == std::string::npos);
    CHECK(report::markdown_text("TLS_RSA_WITH_AES_128_CBC_SHA >= 2048 bits") ==
          "`TLS_RSA_WITH_AES_128_CBC_SHA` `>=` 2048 bits");
    CHECK(report::markdown_code("a `b` c") == "``a `b` c``");
}

TEST_CASE("HTML: self-contained, escaped, verdict, matrix, chain picture, diagnosis",
          "[report][html]") {
    const auto report = sample_report();
    const auto html = report::render_html(report);
    CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>"));
    CHECK_THAT(html, Catch::Contains("<meta name=\"viewport\""));
    CHECK_THAT(html, Catch::Contains("Content-Security-Policy"));
    CHECK_THAT(html, Catch::Contains("<h1 id=\"verdict\">FAIL</h1>"));
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK_THAT(html, Catch::Contains("Expired &lt;2020-01-01&gt; &amp; &quot;gone&quot;"));
    CHECK_THAT(html, Catch::Contains("class=\"matrix\"") && Catch::Contains("TLS 1.3"));
    CHECK_THAT(html, Catch::Contains("class=\"chain\"") &&
                         Catch::Contains("tlsprobe Test Intermediate CA"));
    CHECK_THAT(html, Catch::Contains("Renew the certificate &amp; rebind it"));
    CHECK_THAT(html, Catch::Contains("cert.validity"));

    auto leaf_only = testing::constructed_result("leaf-only");
    const auto plain = report::render_html(leaf_only);
    CHECK_THAT(plain, Catch::Contains("missing intermediate"));
    CHECK_THAT(
        plain,
        Catch::Contains("<h1 id=\"verdict\">OK</h1>"));  // no findings were computed on this value
    leaf_only.findings.push_back(
        judge::make_finding("chain.missing_intermediate", "the issuer is not served"));
    leaf_only.verdict = judge::decide_verdict(leaf_only);  // renderers show the stored verdict
    CHECK_THAT(report::render_html(leaf_only),
               Catch::Contains("<h1 id=\"verdict\">PROBLEMS FOUND</h1>"));
    CHECK_THAT(report::render_html(testing::unreachable_result()),
               Catch::Contains("<h1 id=\"verdict\">UNREACHABLE</h1>"));
}

TEST_CASE("HTML: the chain picture draws the path OpenSSL built, not a path matched by names",
          "[report][html]") {
    auto served = testing::served_chain("good");  // leaf, intermediate
    served.insert(served.begin() + 1, testing::same_name_impostor(served.at(1)));
    const auto r = testing::constructed_result_for_chain(served);  // leaf, impostor, intermediate
    REQUIRE(r.chain);
    const auto html = report::render_html(r);
    const auto leaf = html.find("leaf · served #1");
    const auto intermediate = html.find("intermediate · served #3");
    const auto anchor = html.find("root · from the trust store");
    const auto extra = html.find("not on the path · served #2");
    REQUIRE(leaf != std::string::npos);
    REQUIRE(intermediate != std::string::npos);
    REQUIRE(anchor != std::string::npos);
    REQUIRE(extra != std::string::npos);
    CHECK(leaf < intermediate);
    CHECK(intermediate < anchor);
    CHECK(anchor < extra);
    CHECK(html.find("intermediate · served #2") ==
          std::string::npos);  // the impostor shares the name only
    CHECK(html.find("not on the path · served #3") == std::string::npos);
}

TEST_CASE("HTML report in headless Chromium: screenshot, no console messages, verdict shown",
          "[report][html][chromium]") {
    if (!have_chromium())
        FAIL(
            "chromium is not installed: `apt-get install -y chromium` (scripts/deps.sh installs "
            "it; CI runs this test)");
    const auto dir = scratch_dir("html");
    const auto page = dir / "report.html";
    std::ofstream(page) << report::render_html(sample_report());

    const auto shot = dir / "report.png";
    const auto s = chromium(dir, page, "--screenshot='" + shot.string() + "'");
    INFO(s.err);
    CHECK(s.rc == 0);
    REQUIRE(fs::exists(shot));
    CHECK(fs::file_size(shot) > 10000);
    CHECK(slurp(shot).substr(1, 3) == "PNG");
    CHECK(console_lines(s.err).empty());

    const auto d = chromium(dir, page, "--dump-dom");
    CHECK(d.rc == 0);
    CHECK_THAT(d.out, Catch::Contains("<h1 id=\"verdict\">FAIL</h1>"));
    CHECK(console_lines(d.err).empty());

    // the console check itself works: an external asset is refused by the page's CSP and logged
    auto bad = slurp(page);
    bad.insert(bad.find("</main>"), "<img src=\"https://tlsprobe.invalid/x.png\">");
    std::ofstream(dir / "bad.html") << bad;
    const auto b = chromium(dir, dir / "bad.html", "--dump-dom");
    CHECK(!console_lines(b.err).empty());
    fs::remove_all(dir);
}
