// Terminal-aware text without sockets: wrap() and fit_line() never break a word, the advice
// splitter finds the commands to keep whole, --width is validated, and the plain-HTTP check
// speaks its own status words.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "engine/http_check.hpp"
#include "report/format_util.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"

using namespace tlsprobe;

namespace {

std::size_t widest(const std::string& text) {
    std::size_t w = 0, pos = 0;
    while (pos <= text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        w = std::max(w, report::visible_width(std::string_view(text).substr(pos, end - pos)));
        pos = end + 1;
    }
    return w;
}

std::vector<std::string> commands(std::string_view step) {
    std::vector<std::string> out;
    for (const auto& p : report::split_advice_step(step))
        if (p.command) out.push_back(p.text);
    return out;
}

}  // namespace

TEST_CASE("wrap: at spaces, prefixes counted, a long word alone on its line", "[wrap]") {
    CHECK(report::wrap("a DH 1024 bits group", 12, "  ") == "  a DH 1024\n  bits group");
    // "1024" never becomes "1" + "024", however narrow
    CHECK(report::wrap("DH 1024 bits", 4, "") == "DH\n1024\nbits");
    CHECK(report::wrap("", 10, "x ") == "x ");
    CHECK(report::wrap("one two", 80, "- ", "  ") == "- one two");
    // a label stands alone when the first word does not fit after it
    const std::string hash(64, 'A');
    CHECK(report::wrap(hash, 60, "  SHA-256  ", "    ") == "  SHA-256\n    " + hash);
    // a bullet does not
    CHECK(report::wrap(hash, 60, "- ", "  ") == "- " + hash);
}

TEST_CASE("visible_width counts columns, not bytes or colour codes", "[wrap]") {
    CHECK(report::visible_width("abc") == 3);
    CHECK(report::visible_width("\x1b[1m\x1b[31mNOT\x1b[0m ok") == 6);
    CHECK(report::visible_width("caf\xC3\xA9 \xE2\x9C\x85") == 6);
}

TEST_CASE("fit_line: lines that fit stay, others hang under their value", "[wrap]") {
    CHECK(report::fit_line("  short line", 80) == "  short line");
    const auto fitted =
        report::fit_line("  issuer     CN=Example Intermediate CA, O=Example Org, C=US", 40);
    CHECK(fitted ==
          "  issuer     CN=Example Intermediate CA,\n             O=Example Org, C=US");
    CHECK(widest(fitted) <= 40);
    CHECK(report::fit_line("       - a bullet item that is far too long", 24) ==
          "       - a bullet item\n         that is far too\n         long");
    CHECK(report::fit_text("short\nline\n", 10) == "short\nline\n");
    CHECK(report::fit_text("aaa bbb\nxy", 5) == "aaa\n  bbb\nxy");
}

TEST_CASE("split_advice_step: the commands a person copies, whole", "[wrap]") {
    const std::string reg =
        "reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\"
        "Protocols\\TLS 1.2\\Server\" /v Enabled /t REG_DWORD /d 1 /f";
    CHECK(commands(reg) == std::vector<std::string>{reg});
    CHECK(commands("nginx -T | grep -n ssl_protocols   (e.g. 'ssl_protocols TLSv1;')") ==
          std::vector<std::string>{"nginx -T | grep -n ssl_protocols"});
    CHECK(commands("openssl s_client -connect 127.0.0.1:443 -servername a.test -tls1_2   "
                   "(fails until TLS 1.2 is enabled)") ==
          std::vector<std::string>{
              "openssl s_client -connect 127.0.0.1:443 -servername a.test -tls1_2"});
    CHECK(commands("is anything listening on 443? ss -ltnp 'sport = :443' (Linux) or netstat "
                   "-ano | findstr :443 (Windows)") ==
          std::vector<std::string>{"ss -ltnp 'sport = :443'", "netstat -ano | findstr :443"});
    CHECK(commands("PowerShell: Get-TlsCipherSuite | Format-Table Name   (or the policy)") ==
          std::vector<std::string>{"Get-TlsCipherSuite | Format-Table Name"});
    CHECK(commands("if the key is lost: certutil -repairstore my <thumbprint>, or re-import "
                   "the .pfx") == std::vector<std::string>{"certutil -repairstore my <thumbprint>"});
    CHECK(commands("keytool -list -v -keystore <the keystore of the port 443 Connector>   (the "
                   "chain)") == std::vector<std::string>{
                                    "keytool -list -v -keystore <the keystore of the port 443 "
                                    "Connector>"});
    // prose that names a server is no command
    CHECK(commands("reload nginx after the change, and restart the ss service").empty());
    CHECK(commands("conf/server.xml: the protocols attribute").empty());
    // the parts give the step back
    const std::string step = "if lost: certutil -repairstore my <t>, then netsh http show x";
    std::string joined;
    for (const auto& p : report::split_advice_step(step)) joined += p.text;
    CHECK(joined == step);
}

TEST_CASE("layout_advice_step: one line when it fits, else the command alone and whole",
          "[wrap]") {
    const std::string step =
        "if the binding is broken: netsh http delete sslcert ipport=0.0.0.0:443, then check "
        "again";
    CHECK(report::layout_advice_step(step, 200, "- ", "  ") == "- " + step);
    CHECK(report::layout_advice_step(step, 40, "- ", "  ") ==
          "- if the binding is broken:\n  netsh http delete sslcert ipport=0.0.0.0:443\n  then "
          "check again");
}

TEST_CASE("option --width takes 40 to 1000 columns, anything else is a usage error naming the value",
          "[wrap][cli]") {
    for (const std::string bad : {"39", "1001", "abc", "80x"}) {
        INFO(bad);
        const auto r = test::run_cli({"probe", "127.0.0.1", "--width", bad});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Contains("--width") && Catch::Contains("'" + bad + "'"));
    }
    const auto demo = test::run_cli({"demo", "--width", "20", "--list"});
    CHECK(demo.code == 2);
    CHECK_THAT(demo.err, Catch::Contains("'20'"));
    const auto help = test::run_cli({"probe", "--help"});
    CHECK_THAT(help.out, Catch::Contains("--width"));
}

TEST_CASE("the text report honours the width it is given", "[wrap][text]") {
    probe::TargetResult r;
    r.target.host = "wrap.example";
    r.address = "192.0.2.1:443";
    r.summary = std::string(30, 'x') + " " + std::string(200, 'w') +
                " the rest of a long verdict paragraph that has to wrap somewhere sensible";
    for (const std::size_t width : {40, 60, 80, 120}) {
        const auto text = report::render_text(r, {.width = width});
        std::size_t pos = 0;
        while (pos < text.size()) {
            auto end = text.find('\n', pos);
            if (end == std::string::npos) end = text.size();
            const auto line = text.substr(pos, end - pos);
            INFO("width " << width << ": " << line);
            // the 200-character word is the only line allowed to be wider
            if (report::visible_width(line) > width)
                CHECK(line.find(std::string(200, 'w')) != std::string::npos);
            pos = end + 1;
        }
    }
}

TEST_CASE("the plain-HTTP check has its own status words, in JSON too", "[http][json]") {
    using engine::HttpStatus;
    for (const auto s : {HttpStatus::answered, HttpStatus::not_http, HttpStatus::refused,
                         HttpStatus::timeout, HttpStatus::reset, HttpStatus::closed,
                         HttpStatus::unreachable, HttpStatus::error}) {
        const std::string word(engine::to_string(s));
        CHECK(word != "negotiated");
        CHECK(word != "not_tls");
    }
    probe::TargetResult r;
    r.target.host = "http.example";
    engine::HttpCheck h;
    h.status = HttpStatus::answered;
    h.http_status = 301;
    h.status_line = "HTTP/1.1 301 Moved Permanently";
    r.http = h;
    auto json = nlohmann::json::parse(report::render_json(r));
    CHECK(json["http"]["status"] == "answered");
    r.http->status = HttpStatus::not_http;
    json = nlohmann::json::parse(report::render_json(r));
    CHECK(json["http"]["status"] == "not_http");
}
