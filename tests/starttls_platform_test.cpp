// Issue 14, second part: the mail and database server told by its STARTTLS greeting feeds the
// platform detection, so the TLS diagnosis after the upgrade names that server's own steps;
// PostgreSQL 17 direct TLS (ALPN "postgresql" on every hello, no SSLRequest) against a lab
// server that refuses hellos without that ALPN.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <openssl/ssl.h>
#include <string>

#include "judge/platform.hpp"
#include "lab/paths.hpp"
#include "lab/starttls_server.hpp"
#include "lab/tls_server.hpp"
#include "probe/probe_target.hpp"
#include "probe/target.hpp"
#include "support.hpp"
#include "wire/starttls.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using probe::ServerSoftware;
using wire::StartTls;

namespace {

probe::ProbeOptions options(bool enumerate = false) {
    probe::ProbeOptions o;
    o.timeout = 2s;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.variants = false;
    o.enumerate_ciphers = enumerate;
    return o;
}

probe::TargetResult probe_lab(lab::TlsServerConfig config, StartTls p, bool enumerate = false) {
    config.http_after_handshake = false;
    lab::TlsServer server(config);
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(server.port()));
    t.connect_to = "127.0.0.1";
    t.starttls = p;
    return test::judged(probe::probe_target_blocking(t, options(enumerate)));
}

probe::TargetResult probe_upgrade(StartTls p, std::string_view cert) {
    auto config = lab::config_for_case(cert, TLS1_2_VERSION, TLS1_3_VERSION);
    config.preamble = lab::upgrade_preamble(p, lab::UpgradeBehaviour::good);
    return probe_lab(config, p);
}

const probe::Diagnosis* find(const probe::TargetResult& r, std::string_view id) {
    const auto it = std::find_if(r.diagnosis.begin(), r.diagnosis.end(),
                                 [&](const probe::Diagnosis& d) { return d.id == id; });
    return it == r.diagnosis.end() ? nullptr : &*it;
}

bool any_contains(const std::vector<std::string>& lines, std::string_view text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

bool advice_names(const probe::Diagnosis& d, std::string_view platform) {
    return std::any_of(d.advice.begin(), d.advice.end(),
                       [&](const probe::PlatformAdvice& a) { return a.platform == platform; });
}

}  // namespace

TEST_CASE("starttls platform: greetings name the mail and database servers",
          "[starttls][platform]") {
    using judge::platform_from_greeting;
    CHECK(platform_from_greeting(StartTls::smtp, "220 mx.example ESMTP Postfix (Debian/GNU)")
              .software == ServerSoftware::postfix);
    CHECK(platform_from_greeting(StartTls::smtp,
                                 "220 EX01.corp.example Microsoft ESMTP MAIL Service ready at Mon")
              .software == ServerSoftware::exchange);
    CHECK(platform_from_greeting(StartTls::smtp,
                                 "220 EX01.corp.example Microsoft ESMTP MAIL Service ready")
              .stack == probe::TlsStack::schannel);
    CHECK(platform_from_greeting(StartTls::smtp, "220 mail.example ESMTP Exim 4.96").software ==
          ServerSoftware::exim);
    CHECK(platform_from_greeting(StartTls::smtp, "220 mail.example ESMTP Sendmail 8.17.1")
              .software == ServerSoftware::sendmail);
    CHECK(platform_from_greeting(StartTls::smtp, "220 mail.example ESMTP").software ==
          ServerSoftware::unknown);
    CHECK(platform_from_greeting(StartTls::imap, "* OK [CAPABILITY IMAP4rev1] Dovecot ready.")
              .software == ServerSoftware::dovecot);
    CHECK(platform_from_greeting(StartTls::pop3, "+OK Dovecot (Debian) ready.").software ==
          ServerSoftware::dovecot);
    CHECK(platform_from_greeting(StartTls::imap,
                                 "* OK The Microsoft Exchange IMAP4 service is ready.")
              .software == ServerSoftware::exchange);
    CHECK(platform_from_greeting(StartTls::mysql, "10.11.6-MariaDB-0+deb12u1").software ==
          ServerSoftware::mysql);
    CHECK(platform_from_greeting(StartTls::mysql, "").software == ServerSoftware::unknown);
    CHECK(platform_from_greeting(StartTls::postgres, "").software == ServerSoftware::postgresql);
    // Postfix named on the wrong protocol is not taken (an IMAP greeting cannot be Postfix).
    CHECK(platform_from_greeting(StartTls::imap, "* OK Postfix").software ==
          ServerSoftware::unknown);
    CHECK(platform_from_greeting(StartTls::ldap, "").software == ServerSoftware::unknown);

    CHECK(wire::greeting_banner(StartTls::smtp, core::Bytes{'2', '2', '0', ' ', 'x', '\r', '\n',
                                                            '2', '5', '0'}) == "220 x");
    CHECK(wire::greeting_banner(StartTls::ldap, core::Bytes{0x30, 0x01}).empty());
}

TEST_CASE("starttls platform: a Postfix server missing its intermediate gets Postfix's fix",
          "[starttls][platform][diagnosis]") {
    const auto r = probe_upgrade(StartTls::smtp, "leaf-only");
    CHECK(r.facts.works);
    CHECK(r.platform.software == ServerSoftware::postfix);
    CHECK(any_contains(r.platform.evidence, "ESMTP Postfix"));
    const auto* d = find(r, "chain.incomplete");
    REQUIRE(d);
    CHECK(d->advice_for == "postfix");
    CHECK(any_contains(d->fix, "smtpd_tls_chain_files"));
    CHECK(any_contains(d->fix, "postfix reload"));
    // The other SMTP servers follow; Dovecot and the databases do not speak SMTP.
    CHECK(advice_names(*d, "exchange"));
    CHECK_FALSE(advice_names(*d, "dovecot"));
    CHECK_FALSE(advice_names(*d, "mysql"));

    // The same chain on IMAP: Dovecot's ssl_cert, no Postfix step anywhere.
    const auto imap = probe_upgrade(StartTls::imap, "leaf-only");
    CHECK(imap.platform.software == ServerSoftware::dovecot);
    const auto* di = find(imap, "chain.incomplete");
    REQUIRE(di);
    CHECK(di->advice_for == "dovecot");
    CHECK(any_contains(di->fix, "ssl_cert = <"));
    CHECK_FALSE(advice_names(*di, "postfix"));

    // Expired on MySQL: the MariaDB greeting names MySQL / MariaDB and its ssl_cert.
    const auto mysql = probe_upgrade(StartTls::mysql, "expired");
    CHECK(mysql.platform.software == ServerSoftware::mysql);
    const auto* dm = find(mysql, "cert.expired");
    REQUIRE(dm);
    CHECK(dm->advice_for == "mysql");
    CHECK(any_contains(dm->fix, "ssl_cert"));

    // A good chain on SMTP: no chain diagnosis at all.
    CHECK_FALSE(find(probe_upgrade(StartTls::smtp, "good"), "chain.incomplete"));
}

TEST_CASE("starttls platform: an HTTPS target never gets mail or database steps",
          "[starttls][platform][diagnosis]") {
    const auto r = probe_lab(lab::config_for_case("leaf-only", TLS1_2_VERSION, TLS1_3_VERSION),
                             StartTls::none);
    const auto* d = find(r, "chain.incomplete");
    REQUIRE(d);
    CHECK_FALSE(probe::is_service_software(r.platform.software));
    for (const auto& a : d->advice) {
        INFO(a.platform);
        const auto software = probe::parse_server_software(a.platform);
        const bool service = software && probe::is_service_software(*software);
        CHECK_FALSE(service);
    }
}

TEST_CASE("starttls: PostgreSQL direct TLS offers ALPN postgresql on every connection",
          "[starttls][postgres-direct]") {
    auto config = lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION);
    config.require_alpn = "postgresql";

    const auto r = probe_lab(config, StartTls::postgres_direct, true);
    CHECK(r.facts.works);
    CHECK(r.version(core::Version::tls1_3).supported == true);
    CHECK(r.version(core::Version::tls1_2).supported == true);
    CHECK(r.platform.software == ServerSoftware::postgresql);
    std::size_t negotiated = 0;
    for (const auto& a : r.probes) {
        INFO(a.observation.detail);
        // SSL 3.0 and 2.0 hellos carry no extensions, so no ALPN: refused like any other.
        const bool has_extensions = !a.spec.version || (*a.spec.version != core::Version::ssl3 &&
                                                         *a.spec.version != core::Version::ssl2);
        if (has_extensions)
            CHECK(a.observation.alert !=
                  std::optional<std::uint8_t>(SSL_AD_NO_APPLICATION_PROTOCOL));
        if (a.observation.status == core::Status::negotiated && !a.observation.cipher.empty() &&
            !a.observation.alpn.empty()) {
            CHECK(a.observation.alpn == "postgresql");
            ++negotiated;
        }
    }
    CHECK(negotiated > 0);
    // The enumeration's raw hellos carry it too: TLS 1.2 suites were found.
    CHECK(r.version(core::Version::tls1_2).ciphers_enumerated);
    CHECK_FALSE(r.version(core::Version::tls1_2).ciphers.empty());
    CHECK(r.version(core::Version::tls1_2).enumeration_errors.empty());

    // The same server probed as plain TLS: every hello lacks the ALPN and is refused.
    const auto plain = probe_lab(config, StartTls::none);
    CHECK_FALSE(plain.facts.works);
    CHECK(std::any_of(plain.probes.begin(), plain.probes.end(), [](const auto& a) {
        return a.observation.alert == SSL_AD_NO_APPLICATION_PROTOCOL;
    }));
}
