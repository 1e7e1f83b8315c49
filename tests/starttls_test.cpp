// The plaintext upgrade before TLS (issue 14): the pure dialogues of wire/starttls.hpp fed with
// byte strings (good, malformed, refusals), then whole probes through every connection of the
// engines against scripted loopback servers (lab/starttls_server.hpp) that hand the socket to
// a real TLS server. Each failure asserts its named status and diagnosis id.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <openssl/ssl.h>
#include <string>

#include "core/text.hpp"
#include "lab/paths.hpp"
#include "lab/starttls_server.hpp"
#include "lab/tls_server.hpp"
#include "probe/probe_target.hpp"
#include "probe/target.hpp"
#include "support.hpp"
#include "wire/starttls.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Status;
using lab::UpgradeBehaviour;
using wire::StartTls;
using wire::UpgradeStep;

namespace {

core::Bytes b(std::string_view s) { return core::Bytes(s.begin(), s.end()); }

// Runs a dialogue against a list of server chunks; returns the final step and what was sent.
struct Run {
    UpgradeStep last;
    std::string sent;
};
Run converse(StartTls p, std::vector<std::string> server_chunks, std::string name = "lab.example") {
    wire::UpgradeDialogue d(p, name);
    Run r;
    auto step = d.start();
    std::size_t i = 0;
    for (int guard = 0; guard < 64; ++guard) {
        if (step.kind == UpgradeStep::Kind::send) {
            r.sent += std::string(step.bytes.begin(), step.bytes.end());
            if (step.then_ready) {
                step.kind = UpgradeStep::Kind::ready;
                break;
            }
        }
        if (step.kind == UpgradeStep::Kind::ready || step.kind == UpgradeStep::Kind::fail) break;
        if (i >= server_chunks.size()) break;
        step = d.feed(b(server_chunks[i++]));
    }
    r.last = step;
    return r;
}

}  // namespace

TEST_CASE("starttls: SMTP dialogue, EHLO capabilities and the STARTTLS reply", "[starttls][wire]") {
    auto r = converse(StartTls::smtp, {"220 mx ESMTP\r\n", "250-mx\r\n250-PIPELINING\r\n",
                                       "250-STARTTLS\r\n250 8BITMIME\r\n", "220 go ahead\r\n"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    CHECK(r.sent == "EHLO tlsprobe.invalid\r\nSTARTTLS\r\n");

    r = converse(StartTls::smtp, {"220 mx ESMTP\r\n", "250-mx\r\n250 SIZE 1000\r\n"});
    REQUIRE(r.last.kind == UpgradeStep::Kind::fail);
    CHECK(r.last.status == Status::starttls_not_offered);
    CHECK(r.last.detail.find("SIZE 1000") != std::string::npos);

    r = converse(StartTls::smtp,
                 {"220 mx\r\n", "250-mx\r\n250 STARTTLS\r\n", "454 4.7.0 no TLS\r\n"});
    CHECK(r.last.status == Status::starttls_refused);
    CHECK(r.last.detail.find("454 4.7.0") != std::string::npos);
    r = converse(StartTls::smtp,
                 {"220 mx\r\n", "250-mx\r\n250 STARTTLS\r\n", "530 auth first\r\n"});
    CHECK(r.last.status == Status::starttls_auth_required);
    r = converse(StartTls::smtp, {"554 go away\r\n"});
    CHECK(r.last.status == Status::starttls_refused);
    r = converse(StartTls::smtp, {"SSH-2.0-OpenSSH_9.2\r\n"});
    CHECK(r.last.status == Status::wrong_protocol);
    CHECK(r.last.detail.find("ssh") != std::string::npos);
    r = converse(StartTls::smtp, {"220 ProFTPD Server ready\r\n"});
    CHECK(r.last.status == Status::wrong_protocol);
    // The go-ahead and plaintext after it in one segment: refused as an injection.
    r = converse(StartTls::smtp,
                 {"220 mx\r\n", "250-mx\r\n250 STARTTLS\r\n", "220 go\r\n250 injected\r\n"});
    CHECK(r.last.status == Status::protocol_error);
}

TEST_CASE("starttls: coded replies, split lines and unfinished replies", "[starttls][wire]") {
    CHECK(wire::coded_reply_lines({"250-a", "250-b"}) == 0);
    CHECK(wire::coded_reply_lines({"250-a", "250 b", "250 c"}) == 2);
    CHECK(wire::coded_reply_lines({"220-welcome", "free text", "220 ready"}) == 3);
    CHECK(wire::coded_reply_lines({"hello"}) == 1);
    CHECK(wire::coded_reply_lines({}) == 0);
    std::size_t rest = 0;
    const auto lines = wire::split_lines(b("a\r\nb\nc"), &rest);
    CHECK(lines == std::vector<std::string>{"a", "b"});
    CHECK(rest == 1);
    // A reply split across reads waits for its last line.
    wire::UpgradeDialogue d(StartTls::smtp, "");
    CHECK(d.start().kind == UpgradeStep::Kind::need_more);
    CHECK(d.feed(b("220 m")).kind == UpgradeStep::Kind::need_more);
    CHECK(d.feed(b("x\r\n")).kind == UpgradeStep::Kind::send);
    // A reply that never ends is given up at the byte limit.
    wire::UpgradeDialogue endless(StartTls::smtp, "");
    endless.start();
    UpgradeStep s;
    const std::string chunk(4096, 'x');
    for (int i = 0; i < 20 && s.kind != UpgradeStep::Kind::fail; ++i) s = endless.feed(b(chunk));
    CHECK(s.status == Status::wrong_protocol);
}

TEST_CASE("starttls: IMAP, POP3, FTP, NNTP and ManageSieve dialogues", "[starttls][wire]") {
    auto r = converse(
        StartTls::imap,
        {"* OK ready\r\n", "* CAPABILITY IMAP4rev1 STARTTLS\r\nA1 OK\r\n", "A2 OK begin\r\n"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    CHECK(r.sent == "A1 CAPABILITY\r\nA2 STARTTLS\r\n");
    r = converse(StartTls::imap,
                 {"* OK ready\r\n", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA1 OK\r\n"});
    CHECK(r.last.status == Status::starttls_not_offered);
    CHECK(r.last.detail.find("AUTH=PLAIN") != std::string::npos);
    r = converse(StartTls::imap, {"* BYE too many\r\n"});
    CHECK(r.last.status == Status::starttls_refused);
    r = converse(StartTls::imap, {"+OK pop3 here\r\n"});
    CHECK(r.last.status == Status::wrong_protocol);

    r = converse(StartTls::pop3, {"+OK hi\r\n", "+OK\r\nSTLS\r\n.\r\n", "+OK go\r\n"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    r = converse(StartTls::pop3, {"+OK hi\r\n", "+OK\r\nUIDL\r\n.\r\n"});
    CHECK(r.last.status == Status::starttls_not_offered);
    r = converse(StartTls::pop3, {"+OK hi\r\n", "+OK\r\nSTLS\r\n.\r\n", "-ERR no\r\n"});
    CHECK(r.last.status == Status::starttls_refused);

    r = converse(StartTls::ftp, {"220-hello\r\n220 ready\r\n", "234 go\r\n"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    r = converse(StartTls::ftp, {"220 FTP ready\r\n", "500 unknown\r\n"});
    CHECK(r.last.status == Status::starttls_not_offered);
    r = converse(StartTls::ftp, {"220 FTP ready\r\n", "534 policy\r\n"});
    CHECK(r.last.status == Status::starttls_refused);

    r = converse(StartTls::nntp, {"200 news\r\n", "101 caps\r\nSTARTTLS\r\n.\r\n", "382 go\r\n"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    r = converse(StartTls::nntp, {"200 news\r\n", "101 caps\r\nREADER\r\n.\r\n"});
    CHECK(r.last.status == Status::starttls_not_offered);

    r = converse(StartTls::sieve, {"\"IMPLEMENTATION\" \"x\"\r\n\"STARTTLS\"\r\nOK\r\n", "OK\r\n"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    r = converse(StartTls::sieve, {"\"IMPLEMENTATION\" \"x\"\r\nOK\r\n"});
    CHECK(r.last.status == Status::starttls_not_offered);
}

TEST_CASE("starttls: XMPP, PostgreSQL, LDAP and MySQL dialogues", "[starttls][wire]") {
    auto r =
        converse(StartTls::xmpp,
                 {"<?xml version='1.0'?><stream:stream from='d' version='1.0'><stream:features>",
                  "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>",
                  "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"},
                 "chat.example");
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    CHECK(r.sent.find("to='chat.example'") != std::string::npos);
    r = converse(StartTls::xmpp,
                 {"<stream:stream><stream:features><mechanisms/></stream:features>"});
    CHECK(r.last.status == Status::starttls_not_offered);
    CHECK(r.last.detail.find("mechanisms") != std::string::npos);
    r = converse(StartTls::xmpp,
                 {"<stream:stream><stream:error><host-unknown/></stream:error></stream:stream>"});
    CHECK(r.last.status == Status::starttls_refused);
    CHECK(r.last.detail.find("host-unknown") != std::string::npos);
    r = converse(StartTls::xmpp, {"HTTP/1.1 400 Bad Request\r\n\r\n"});
    CHECK(r.last.status == Status::wrong_protocol);

    r = converse(StartTls::postgres, {"S"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    CHECK(r.sent == std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8));
    CHECK(converse(StartTls::postgres, {"N"}).last.status == Status::starttls_not_offered);
    CHECK(converse(StartTls::postgres, {"SSH-2.0-x\r\n"}).last.status == Status::wrong_protocol);

    // LDAP: success, protocolError (not supported), strongerAuthRequired, garbage.
    auto ldap = [](int code, std::string diag) {
        std::string op = std::string("\x0a\x01", 2) + static_cast<char>(code) +
                         std::string("\x04\x00", 2) + "\x04" + static_cast<char>(diag.size()) +
                         diag;
        std::string body =
            std::string("\x02\x01\x01", 3) + "\x78" + static_cast<char>(op.size()) + op;
        return "\x30" + std::string(1, static_cast<char>(body.size())) + body;
    };
    r = converse(StartTls::ldap, {ldap(0, "")});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    r = converse(StartTls::ldap, {ldap(2, "unsupported extended operation")});
    CHECK(r.last.status == Status::starttls_not_offered);
    CHECK(r.last.detail.find("unsupported extended operation") != std::string::npos);
    CHECK(converse(StartTls::ldap, {ldap(8, "")}).last.status == Status::starttls_auth_required);
    CHECK(converse(StartTls::ldap, {"220 smtp\r\n"}).last.status == Status::wrong_protocol);
    // Split in two reads: waits for the whole message.
    const auto whole = ldap(0, "");
    r = converse(StartTls::ldap, {whole.substr(0, 5), whole.substr(5)});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    CHECK_FALSE(wire::parse_ldap_extended_response(b("\x30\x03\x02\x01")));
    CHECK_FALSE(wire::parse_ldap_extended_response(b(std::string("\x30\x84\xff\xff\xff\xff", 6))));

    // MySQL: a greeting with CLIENT_SSL, then the SSLRequest goes out and TLS starts.
    std::string payload = "\x0a" + std::string("8.0.36") + '\0' + std::string(4, '\1') +
                          "abcdefgh" + '\0' + std::string("\xff\xff", 2) + "\x2d" +
                          std::string("\x02\x00\xff\xff", 4) + std::string(11, '\0');
    std::string packet =
        std::string(1, static_cast<char>(payload.size())) + std::string("\0\0\0", 3) + payload;
    r = converse(StartTls::mysql, {packet});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    REQUIRE(r.sent.size() == 36);
    CHECK((static_cast<unsigned char>(r.sent[5]) & 0x08) != 0);  // CLIENT_SSL (0x0800)
    payload[payload.find("abcdefgh") + 10] = '\x07';             // capabilities without CLIENT_SSL
    packet = std::string(1, static_cast<char>(payload.size())) + std::string("\0\0\0", 3) + payload;
    CHECK(converse(StartTls::mysql, {packet}).last.status == Status::starttls_not_offered);
    const std::string err = std::string("\xff\x6a\x04", 3) + "#HY000Host not allowed";
    CHECK(converse(StartTls::mysql,
                   {std::string(1, static_cast<char>(err.size())) + std::string("\0\0\0", 3) + err})
              .last.status == Status::starttls_refused);
    CHECK(converse(StartTls::mysql, {"SSH-2.0-OpenSSH\r\n"}).last.status == Status::wrong_protocol);
}

TEST_CASE("starttls: IRC dialogue, CAP LS advertisement and the 670 / 691 replies",
          "[starttls][wire][irc]") {
    // NOTICE lines first, a CAP LS in two lines, then 670: TLS starts.
    auto r = converse(StartTls::irc,
                      {":irc.example NOTICE * :*** Looking up your hostname\r\n",
                       ":irc.example CAP * LS * :away-notify sasl=PLAIN\r\n:irc.example CAP * LS "
                       ":multi-prefix tls\r\n",
                       ":irc.example 670 * :STARTTLS successful\r\n"});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    CHECK(r.sent == "CAP LS 302\r\nSTARTTLS\r\n");
    // No `tls` capability: not offered, the capabilities as evidence.
    r = converse(StartTls::irc, {":irc.example CAP * LS :multi-prefix sasl=PLAIN\r\n"});
    CHECK(r.last.status == Status::starttls_not_offered);
    CHECK(r.last.detail.find("multi-prefix sasl") != std::string::npos);
    // A server without CAP (421) is still asked; 691 is a refusal.
    r = converse(StartTls::irc, {":irc.example 421 * CAP :Unknown command\r\n",
                                 ":irc.example 691 * :STARTTLS failure\r\n"});
    CHECK(r.last.status == Status::starttls_refused);
    CHECK(r.last.detail.find("691") != std::string::npos);
    r = converse(StartTls::irc, {":irc.example CAP * LS :tls\r\n",
                                 ":irc.example 421 * STARTTLS :Unknown command\r\n"});
    CHECK(r.last.status == Status::starttls_not_offered);
    r = converse(StartTls::irc, {"ERROR :Closing Link: 127.0.0.1 (Too many connections)\r\n"});
    CHECK(r.last.status == Status::starttls_refused);
    // Another service: an SSH banner, an HTTP reply.
    CHECK(converse(StartTls::irc, {"SSH-2.0-OpenSSH_9.2\r\n"}).last.status ==
          Status::wrong_protocol);
    CHECK(converse(StartTls::irc, {"HTTP/1.1 400 Bad Request\r\n\r\n"}).last.status ==
          Status::wrong_protocol);
    // Unfinished: waits for the rest of the line.
    CHECK(converse(StartTls::irc, {":irc.example CAP * LS :t"}).last.kind ==
          UpgradeStep::Kind::need_more);
}

namespace {
// A TPKT + X.224 Connection Confirm; `neg` is the negotiation structure (may be empty).
std::string rdp_cc(const std::string& neg) {
    const std::string x224 = std::string(1, static_cast<char>(6 + neg.size())) +
                             std::string("\xd0\x00\x00\x00\x01\x00", 6) + neg;
    return std::string("\x03\x00\x00", 3) + static_cast<char>(4 + x224.size()) + x224;
}
std::string rdp_neg(int type, int value) {
    return std::string(1, static_cast<char>(type)) + std::string("\x00\x08\x00", 3) +
           static_cast<char>(value) + std::string(3, '\0');
}
}  // namespace

TEST_CASE("starttls: RDP X.224 negotiation, response and failure codes", "[starttls][wire][rdp]") {
    auto r = converse(StartTls::rdp, {rdp_cc(rdp_neg(2, 1))});
    CHECK(r.last.kind == UpgradeStep::Kind::ready);
    REQUIRE(r.sent.size() == 19);
    CHECK(r.sent.substr(0, 4) == std::string("\x03\x00\x00\x13", 4));
    CHECK(static_cast<unsigned char>(r.sent[11]) == 0x01);  // RDP_NEG_REQ
    CHECK(static_cast<unsigned char>(r.sent[15]) == 0x03);  // PROTOCOL_SSL | PROTOCOL_HYBRID
    CHECK(converse(StartTls::rdp, {rdp_cc(rdp_neg(2, 2))}).last.kind ==
          UpgradeStep::Kind::ready);  // HYBRID: CredSSP runs inside the same TLS
    // In two pieces.
    const auto whole = rdp_cc(rdp_neg(2, 1));
    CHECK(converse(StartTls::rdp, {whole.substr(0, 6), whole.substr(6)}).last.kind ==
          UpgradeStep::Kind::ready);
    r = converse(StartTls::rdp, {rdp_cc(rdp_neg(3, 2))});
    CHECK(r.last.status == Status::starttls_refused);
    CHECK(r.last.detail.find("SSL_NOT_ALLOWED_BY_SERVER") != std::string::npos);
    CHECK(converse(StartTls::rdp, {rdp_cc(rdp_neg(3, 6))}).last.status ==
          Status::starttls_auth_required);
    CHECK(converse(StartTls::rdp, {rdp_cc("")}).last.status == Status::starttls_not_offered);
    CHECK(converse(StartTls::rdp, {rdp_cc(rdp_neg(2, 0))}).last.status ==
          Status::starttls_not_offered);
    CHECK(converse(StartTls::rdp, {"HTTP/1.1 400 Bad Request\r\n\r\n"}).last.status ==
          Status::wrong_protocol);
    CHECK(converse(StartTls::rdp, {rdp_cc(rdp_neg(7, 1))}).last.status == Status::wrong_protocol);
    CHECK_FALSE(wire::parse_rdp_confirm(b(std::string("\x03\x00\x00\x05\x00", 5))));
    const auto parsed = wire::parse_rdp_confirm(b(rdp_cc(rdp_neg(3, 3))));
    REQUIRE(parsed);
    CHECK(parsed->failure_code == 3u);
    CHECK(wire::rdp_failure_name(3) == "SSL_CERT_NOT_ON_SERVER");
}

TEST_CASE("starttls: URL schemes, default ports and --starttls names", "[starttls][target]") {
    auto t = probe::parse_target("smtp://mx.example.com");
    CHECK(t.starttls == StartTls::smtp);
    CHECK(t.port == 25);
    CHECK(t.display() == "smtp://mx.example.com:25");
    CHECK(probe::parse_target("submission://mx.example.com").port == 587);
    CHECK(probe::parse_target("postgres://db.example.com").starttls == StartTls::postgres);
    CHECK(probe::parse_target("mysql://db:3307").port == 3307);
    CHECK(probe::parse_target("xmpp-server://chat.example").port == 5269);
    CHECK(probe::parse_target("imaps://mail.example").starttls == StartTls::none);
    CHECK(probe::parse_target("irc://irc.example").starttls == StartTls::irc);
    CHECK(probe::parse_target("irc://irc.example").port == 6667);
    CHECK(probe::parse_target("rdp://win.example").starttls == StartTls::rdp);
    CHECK(probe::parse_target("rdp://win.example").port == 3389);
    CHECK(probe::parse_target("postgres+tls://db.example").starttls == StartTls::postgres_direct);
    CHECK(probe::parse_target("postgres+tls://db.example").port == 5432);
    CHECK(wire::parse_starttls("postgres-direct") == StartTls::postgres_direct);
    CHECK_THROWS_WITH(probe::parse_target("gopher://x.example"),
                      Catch::Contains("unsupported scheme"));
    CHECK(wire::parse_starttls("POSTGRESQL") == StartTls::postgres);
    CHECK_FALSE(wire::parse_starttls("gopher"));
    for (auto p : wire::starttls_protocols()) CHECK(wire::parse_starttls(wire::to_string(p)) == p);
}

// ---- whole probes against loopback servers -------------------------------------------------

namespace {

probe::ProbeOptions quick_options() {
    probe::ProbeOptions o;
    o.timeout = 2s;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.variants = false;
    return o;
}

probe::TargetResult probe_upgrade(StartTls p, UpgradeBehaviour behaviour,
                                  std::string_view cert = "good",
                                  std::chrono::milliseconds timeout = 2000ms) {
    auto config = lab::config_for_case(cert, TLS1_2_VERSION, TLS1_3_VERSION);
    config.http_after_handshake = false;
    config.preamble = lab::upgrade_preamble(p, behaviour);
    lab::TlsServer server(config);
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(server.port()));
    t.connect_to = "127.0.0.1";
    t.starttls = p;
    auto o = quick_options();
    o.timeout = timeout;
    return test::judged(probe::probe_target_blocking(t, o));
}

bool diagnosed(const probe::TargetResult& r, std::string_view id) {
    return std::any_of(r.diagnosis.begin(), r.diagnosis.end(),
                       [&](const probe::Diagnosis& d) { return d.id == id; });
}

std::string diagnosis_ids(const probe::TargetResult& r) {
    std::string s;
    for (const auto& d : r.diagnosis) s += d.id + " ";
    return s;
}

}  // namespace

TEST_CASE("starttls: every protocol upgrades every connection, then TLS works", "[starttls][lab]") {
    for (auto p : wire::starttls_protocols()) {
        INFO(wire::to_string(p));
        const auto r = probe_upgrade(p, UpgradeBehaviour::good);
        CHECK(r.facts.works);
        CHECK(r.version(core::Version::tls1_3).supported == true);
        CHECK(r.version(core::Version::tls1_2).supported == true);
        CHECK(r.version(core::Version::tls1_1).supported == false);
        // No attempt ended in the upgrade: each one made it and then spoke TLS.
        for (const auto& a : r.probes) {
            INFO(a.observation.detail);
            CHECK(a.observation.phase != core::Phase::upgrade);
        }
        CHECK_FALSE(r.http);  // no plain-HTTP check for a STARTTLS service
        CHECK(r.chain);
    }
}

TEST_CASE("starttls: failures before TLS end in named statuses and diagnoses", "[starttls][lab]") {
    struct Case {
        StartTls protocol;
        UpgradeBehaviour behaviour;
        Status status;
        std::string_view diagnosis;
    };
    const Case cases[] = {
        {StartTls::smtp, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::smtp, UpgradeBehaviour::refused, Status::starttls_refused, "starttls.refused"},
        {StartTls::smtp, UpgradeBehaviour::auth_required, Status::starttls_auth_required,
         "starttls.auth_required"},
        {StartTls::smtp, UpgradeBehaviour::wrong_greeting, Status::wrong_protocol,
         "starttls.wrong_service"},
        {StartTls::imap, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::imap, UpgradeBehaviour::refused, Status::starttls_refused, "starttls.refused"},
        {StartTls::pop3, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::pop3, UpgradeBehaviour::wrong_greeting, Status::wrong_protocol,
         "starttls.wrong_service"},
        {StartTls::ftp, UpgradeBehaviour::not_offered, Status::starttls_auth_required,
         "starttls.auth_required"},
        {StartTls::ldap, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::ldap, UpgradeBehaviour::auth_required, Status::starttls_auth_required,
         "starttls.auth_required"},
        {StartTls::postgres, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::postgres, UpgradeBehaviour::wrong_greeting, Status::wrong_protocol,
         "starttls.wrong_service"},
        {StartTls::mysql, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::mysql, UpgradeBehaviour::refused, Status::starttls_refused, "starttls.refused"},
        {StartTls::xmpp, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::xmpp, UpgradeBehaviour::refused, Status::starttls_refused, "starttls.refused"},
        {StartTls::nntp, UpgradeBehaviour::refused, Status::starttls_refused, "starttls.refused"},
        {StartTls::sieve, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::irc, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::irc, UpgradeBehaviour::refused, Status::starttls_refused, "starttls.refused"},
        {StartTls::irc, UpgradeBehaviour::wrong_greeting, Status::wrong_protocol,
         "starttls.wrong_service"},
        {StartTls::rdp, UpgradeBehaviour::not_offered, Status::starttls_not_offered,
         "starttls.not_offered"},
        {StartTls::rdp, UpgradeBehaviour::refused, Status::starttls_refused, "starttls.refused"},
        {StartTls::rdp, UpgradeBehaviour::auth_required, Status::starttls_auth_required,
         "starttls.auth_required"},
        {StartTls::rdp, UpgradeBehaviour::wrong_greeting, Status::wrong_protocol,
         "starttls.wrong_service"},
    };
    for (const auto& c : cases) {
        INFO(wire::to_string(c.protocol) << " " << lab::to_string(c.behaviour));
        const auto r = probe_upgrade(c.protocol, c.behaviour);
        REQUIRE_FALSE(r.probes.empty());
        CHECK_FALSE(r.facts.works);
        CHECK(r.facts.reached);
        for (const auto& a : r.probes) {
            CHECK(a.observation.status == c.status);
            CHECK(a.observation.phase == core::Phase::upgrade);
        }
        INFO(diagnosis_ids(r));
        CHECK(diagnosed(r, c.diagnosis));
        CHECK(r.verdict == probe::TargetVerdict::no_tls);
    }
}

TEST_CASE("starttls: a server that never greets times out in the upgrade phase",
          "[starttls][lab]") {
    const auto r = probe_upgrade(StartTls::smtp, UpgradeBehaviour::silent, "good", 300ms);
    REQUIRE_FALSE(r.probes.empty());
    for (const auto& a : r.probes) {
        CHECK(a.observation.status == Status::timeout);
        CHECK(a.observation.phase == core::Phase::upgrade);
        CHECK(a.observation.detail.find("no greeting") != std::string::npos);
    }
    INFO(diagnosis_ids(r));
    CHECK(diagnosed(r, "starttls.silent"));
    CHECK_FALSE(diagnosed(r, "server.handshake_timeout"));
}

TEST_CASE("starttls: plaintext after the go-ahead is refused", "[starttls][lab]") {
    const auto r = probe_upgrade(StartTls::postgres, UpgradeBehaviour::inject);
    REQUIRE_FALSE(r.probes.empty());
    CHECK(r.probes.front().observation.status == Status::protocol_error);
    CHECK(r.probes.front().observation.phase == core::Phase::upgrade);
}

TEST_CASE("starttls: the upgrade works, then the usual TLS diagnosis applies", "[starttls][lab]") {
    const auto r = probe_upgrade(StartTls::smtp, UpgradeBehaviour::good, "expired");
    CHECK(r.facts.works);
    INFO(diagnosis_ids(r));
    CHECK(diagnosed(r, "cert.expired"));
    // The same certificate without the upgrade: nothing else differs.
    const auto ok = probe_upgrade(StartTls::smtp, UpgradeBehaviour::good, "good");
    CHECK_FALSE(diagnosed(ok, "cert.expired"));
}

// Found by starttls_fuzz: parse_mysql_greeting kept the server version raw while every other
// text the reply parsers return is made safe (a JSON dump of it threw).
TEST_CASE("starttls: a MySQL greeting's server version is made safe like the other texts",
          "[starttls][wire][fuzz]") {
    std::string payload = "\x0a";
    payload += std::string("8.0\xff\x1b[31m", 9) + '\0';  // invalid UTF-8 and an escape
    payload += std::string(4 + 8 + 1, '\x01');               // connection id, auth data, filler
    payload += std::string("\xff\xff", 2);                    // capabilities low
    const core::Bytes bytes(payload.begin(), payload.end());
    const auto g = wire::parse_mysql_greeting(bytes);
    REQUIRE(g);
    CHECK(core::is_safe_utf8(g->server_version));
    CHECK(g->server_version == "8.0\\xFF\\x1B[31m");
    CHECK(g->capabilities == 0xffff);

    payload = std::string("\x0a" "5.7.1\0", 7) + std::string(13, '\x01') + std::string("\xff\xff", 2);
    const auto plain = wire::parse_mysql_greeting(core::Bytes(payload.begin(), payload.end()));
    REQUIRE(plain);
    CHECK(plain->server_version == "5.7.1");
}
