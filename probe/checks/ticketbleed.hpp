// Ticketbleed (CVE-2016-9244, F5 BIG-IP; found by Filippo Valsorda): a server that resumes a
// session from a ticket (RFC 5077) echoes the client's session ID in its ServerHello, and the
// affected ones always echo 32 bytes, whatever length the client sent: the bytes past the
// client's are uninitialised server memory.
//
// The wire test (as testssl.sh and nmap's tls-ticketbleed): one full handshake with the local
// OpenSSL (highest TLS 1.0-1.2, the session_ticket extension offered) to get a ticket; then
// two raw hellos of that version, each offering the ticket with a 1-byte session ID (a
// different byte each time). A ServerHello whose session ID is 32 bytes long and starts with
// the byte sent, both times, is vulnerable; an echo of the one byte (or a new session) is not.
// At most 16 bytes of the leaked memory are kept, as hex. Intrusive: 3 connections.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/version.hpp"
#include "engine/raw_client.hpp"
#include "probe/check.hpp"
#include "probe/checks/vulnerabilities.hpp"

namespace tlsprobe::probe::checks {

class TicketbleedResult final : public CheckResult {
public:
    Vulnerability item;                    // id "ticketbleed", CVE-2016-9244
    std::optional<core::Version> version;  // of the handshakes
    std::size_t ticket_bytes = 0;          // the ticket the server issued (0: none)
    // Per raw hello: the session ID length the ServerHello echoed (nullopt: no ServerHello).
    std::vector<std::optional<std::size_t>> echoed;
    std::string excerpt_hex;  // the bytes past the one sent (vulnerable only), at most 16

    std::string_view kind() const override { return "ticketbleed"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class TicketbleedCheck final : public CheckKind {
public:
    static constexpr std::array<std::uint8_t, 2> kSessionIdBytes{0x5a, 0xc3};

    std::string_view id() const override { return "ticketbleed"; }
    std::string_view title() const override { return "Ticketbleed (CVE-2016-9244)"; }
    bool intrusive() const override { return true; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;  // TLS 1.0-1.2 supported
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: the raw answers to the hellos that carried kSessionIdBytes[i].
    static std::shared_ptr<TicketbleedResult> judge(core::Version v, std::size_t ticket_bytes,
                                                    const std::vector<engine::RawResult>& answers);
};

}  // namespace tlsprobe::probe::checks
