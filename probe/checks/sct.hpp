// The Certificate Transparency check: the SCTs (RFC 6962 §3.3) the server presents, from the
// three places a client finds them: the TLS extension signed_certificate_timestamp (18), the
// stapled OCSP response (extension 1.3.6.1.4.1.11129.2.4.5) and the leaf certificate
// (extension 1.3.6.1.4.1.11129.2.4.2). One handshake asking for SCTs and a staple; OpenSSL
// decodes all three (SSL_get0_peer_scts). Signatures are not verified: the log ids and
// timestamps are reported as sent, for the browser policies (Chrome, Safari) to be judged by
// whoever knows the current log list.
#pragma once

#include <string>
#include <vector>

#include "engine/tls_session.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

std::string_view to_string(engine::SctSource s);

class SctResult final : public CheckResult {
public:
    bool handshake = false;  // the handshake completed (else: detail)
    std::vector<engine::Sct> scts;
    std::string detail;

    std::size_t count(engine::SctSource s) const;

    std::string_view kind() const override { return "sct"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class SctCheck final : public CheckKind {
public:
    std::string_view id() const override { return "sct"; }
    std::string_view title() const override { return "Certificate Transparency (SCTs)"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    static SctResult judge(const engine::SessionResult& session);
};

}  // namespace tlsprobe::probe::checks
