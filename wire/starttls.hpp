// The plaintext dialogues that come before TLS on services that upgrade a connection
// (STARTTLS and its relatives): what the client sends, how the server's replies are framed,
// and what each reply means. Pure: bytes in, the next step out. The engine (engine/upgrade.*)
// moves the bytes; tests feed byte strings.
//
// Each protocol is a short table of exchanges (a command, or none for a greeting; how its
// reply is framed; a judge that reads the reply). A judge says: go on, ready for the
// ClientHello, or fail with a named status (core/outcome.hpp):
//   starttls_not_offered   the server does not offer the upgrade (detail: its capabilities)
//   starttls_refused       it refused the command, or refuses connections (detail: its reply)
//   starttls_auth_required it wants authentication first
//   wrong_protocol         the greeting or a reply is not the protocol's: another service
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/outcome.hpp"

namespace tlsprobe::wire {

enum class StartTls {
    none,         // TLS from the first byte
    smtp,         // EHLO, STARTTLS (RFC 3207); also submission (587)
    imap,         // CAPABILITY, STARTTLS (RFC 3501 §6.2.1)
    pop3,         // CAPA, STLS (RFC 2595 §4)
    ftp,          // AUTH TLS (RFC 4217 §4)
    ldap,         // StartTLS extended operation 1.3.6.1.4.1.1466.20037 (RFC 4511 §4.14)
    xmpp,         // client stream, <starttls/> (RFC 6120 §5)
    xmpp_server,  // server-to-server stream, <starttls/>
    postgres,     // SSLRequest (PostgreSQL protocol 3, 80877103), 'S' / 'N'
    mysql,        // handshake v10, SSLRequest packet with CLIENT_SSL
    nntp,         // CAPABILITIES, STARTTLS (RFC 4642)
    sieve,        // ManageSieve capabilities, STARTTLS (RFC 5804 §2.2)
    irc,          // CAP LS (the `tls` capability), STARTTLS, 670 RPL_STARTTLS (IRCv3 tls)
    rdp,          // X.224 Connection Request with RDP_NEG_REQ for PROTOCOL_SSL|HYBRID (MS-RDPBCGR)
    postgres_direct,  // no dialogue: TLS at once with ALPN "postgresql" (PostgreSQL 17+)
};

// "smtp", "imap", "pop3", "ftp", "ldap", "xmpp", "xmpp-server", "postgres", "mysql", "nntp",
// "sieve", "irc", "rdp", "postgres-direct" ("none" for none): the --starttls names and the JSON `target.starttls` value.
std::string_view to_string(StartTls p);
// A --starttls name (case-insensitive; "postgresql" and "submission" are accepted too).
std::optional<StartTls> parse_starttls(std::string_view name);
// "SMTP STARTTLS", "PostgreSQL SSLRequest", ... for the reports.
std::string_view display_name(StartTls p);
// The names --starttls accepts, for its help and error message.
std::span<const StartTls> starttls_protocols();

// URL schemes whose service upgrades a plaintext connection, with their default ports.
struct UpgradeScheme {
    std::string_view scheme;  // "smtp", "submission", "imap", ...
    StartTls protocol;
    std::uint16_t port;
};
std::span<const UpgradeScheme> upgrade_schemes();
// The protocol's usual port (smtp 25, imap 143, ...); 443 for none.
std::uint16_t default_port(StartTls p);
// Schemes of upgrades tlsprobe knows of but does not speak yet (none today): refused with
// a clear message rather than half-working.
bool is_unimplemented_upgrade(std::string_view scheme);
// The ALPN protocol every ClientHello of `p` must carry ("postgresql" for postgres_direct:
// a PostgreSQL 17 server refuses direct TLS without it); empty for the others.
std::string_view fixed_alpn(StartTls p);

// What the engine does next.
struct UpgradeStep {
    enum class Kind {
        need_more,  // read more bytes
        send,       // write `bytes`; then read (or, with then_ready, start TLS)
        ready,      // the server agreed: the ClientHello goes next
        fail,       // `status` with `detail`
    };
    Kind kind = Kind::need_more;
    core::Bytes bytes;        // send
    bool then_ready = false;  // send: no reply comes (MySQL's SSLRequest): TLS starts after it
    std::string sent;         // send: the command for the trace ("EHLO tlsprobe.invalid")
    std::string received;     // the reply just judged, for the trace (its first line)
    core::Status status = core::Status::internal_error;  // fail
    std::string detail;                                  // fail: one line for a person
};

// The most a reply may be before the dialogue gives up as not the protocol's.
inline constexpr std::size_t kMaxUpgradeReply = 64 * 1024;

// The EHLO name tlsprobe introduces itself with.
inline constexpr std::string_view kEhloName = "tlsprobe.invalid";

class UpgradeDialogue {
public:
    // `name`: the XMPP domain (stream `to`); ignored by the other protocols.
    UpgradeDialogue(StartTls protocol, std::string name);
    // The first step, right after the TCP connect: send an opening (PostgreSQL, LDAP, XMPP) or
    // wait for the greeting.
    UpgradeStep start();
    // Bytes that arrived from the server. After ready or fail it keeps answering the same.
    UpgradeStep feed(core::ByteView bytes);
    // The first bytes the server sent (at most 256), for Observation::first_bytes.
    const core::Bytes& first_bytes() const { return first_bytes_; }

    // One exchange of a protocol's table; public for the table in starttls.cpp.
    struct Exchange;

private:
    UpgradeStep next_command();
    StartTls protocol_;
    std::string name_;
    std::span<const Exchange> table_;
    std::size_t at_ = 0;  // the exchange whose reply is awaited
    core::Bytes buffer_;  // bytes of the reply being read
    core::Bytes first_bytes_;
    std::optional<UpgradeStep> final_;
};

// ---- the reply parsers, exposed for tests and fuzzing --------------------------------------

// Text lines (CRLF or LF) complete in `bytes`; `rest` gets the length of the unfinished tail.
std::vector<std::string> split_lines(core::ByteView bytes, std::size_t* rest = nullptr);
// SMTP/FTP/NNTP style reply ("250-A", "250 B"): the number of lines it takes when complete;
// 0 when more lines are needed. A first line without a 3-digit code is complete at once.
std::size_t coded_reply_lines(const std::vector<std::string>& lines);
// An LDAP ExtendedResponse: the result code and diagnostic message; nullopt when `ber` is
// not one. `complete` says whether all of the message has arrived.
struct LdapExtendedResult {
    int message_id = 0;
    int result_code = -1;
    std::string diagnostic;
    std::string response_name;
};
std::optional<LdapExtendedResult> parse_ldap_extended_response(core::ByteView ber);
// The total length of the BER element starting `bytes` (tag + length + content); nullopt
// when the header is incomplete, 0 when it is malformed.
std::optional<std::size_t> ber_element_length(core::ByteView bytes);
// A MySQL protocol-10 server greeting.
struct MysqlGreeting {
    std::string server_version;  // safe UTF-8 (core::to_safe_utf8), like every text here
    std::uint32_t capabilities = 0;  // lower and upper 16 bits
    bool error = false;              // an ERR packet (0xFF) instead
    std::uint16_t error_code = 0;
    std::string error_message;
};
std::optional<MysqlGreeting> parse_mysql_greeting(core::ByteView packet_payload);
inline constexpr std::uint32_t kMysqlClientSsl = 0x0800;

// An RDP X.224 Connection Confirm (MS-RDPBCGR 2.2.1.2) inside its TPKT: the negotiation
// response's selected protocol or the negotiation failure's code; neither when the server sent
// no negotiation data (an RDP 5 server: standard RDP security only). nullopt when `tpkt` is
// not a Connection Confirm.
struct RdpConfirm {
    std::optional<std::uint32_t> selected_protocol;  // RDP_NEG_RSP: 0 RDP, 1 SSL, 2 HYBRID, 8 HYBRID_EX
    std::optional<std::uint32_t> failure_code;       // RDP_NEG_FAILURE
};
std::optional<RdpConfirm> parse_rdp_confirm(core::ByteView tpkt);
// "SSL_NOT_ALLOWED_BY_SERVER" ... for an RDP_NEG_FAILURE code; "unknown failure code" else.
std::string_view rdp_failure_name(std::uint32_t code);
inline constexpr std::uint32_t kRdpProtocolSsl = 0x1;
inline constexpr std::uint32_t kRdpProtocolHybrid = 0x2;

// A ClientHello record (one record, TLS) with an ALPN extension offering `protocol` alone in
// place of any it had, placed first; nullopt when `record` is not one whole ClientHello
// record. For PostgreSQL direct TLS, whose server refuses hellos without ALPN "postgresql".
std::optional<core::Bytes> client_hello_with_alpn(core::ByteView record,
                                                  std::string_view protocol);

// The banner the server greeted with before the upgrade (the SMTP 220 line, the IMAP/POP3
// greeting, the MySQL server version, ...), safe UTF-8, at most 200 bytes; empty when the
// protocol has no greeting (PostgreSQL, LDAP, RDP) or it did not arrive.
std::string greeting_banner(StartTls p, core::ByteView first_bytes);

}  // namespace tlsprobe::wire
