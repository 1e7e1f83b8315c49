// libFuzzer target for the STARTTLS dialogues (wire::UpgradeDialogue) and the reply parsers
// behind them (coded replies, LDAP BER, the MySQL greeting, XMPP, PostgreSQL, IRC, the RDP Connection
// Confirm): whatever a
// server answers, in whatever pieces it arrives, the dialogue must not crash, throw or loop,
// must end in ready or a named failure, and every text it keeps must be valid UTF-8.
//
// Input: byte 0 picks the protocol, byte 1 the size of the pieces the rest arrives in.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "wire/starttls.hpp"

using namespace tlsprobe;

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}

// Throws (and so aborts the fuzzer) on invalid UTF-8.
void printable(const std::string& s) { (void)nlohmann::json(s).dump(); }

void check_step(const wire::UpgradeStep& s) {
    printable(s.sent);
    printable(s.received);
    printable(s.detail);
    if (s.kind == wire::UpgradeStep::Kind::fail) {
        require(!s.detail.empty());
        require(s.status != core::Status::internal_error);
    }
    if (s.kind == wire::UpgradeStep::Kind::send) require(!s.bytes.empty());
}

void parsers(core::ByteView in) {
    std::size_t rest = 0;
    const auto lines = wire::split_lines(in, &rest);
    require(rest <= in.size());
    require(wire::coded_reply_lines(lines) <= lines.size());
    if (const auto n = wire::ber_element_length(in); n && *n != 0) require(*n >= 2);
    if (const auto ldap = wire::parse_ldap_extended_response(in)) {
        printable(ldap->diagnostic);
        printable(ldap->response_name);
    }
    if (const auto g = wire::parse_mysql_greeting(in)) {
        printable(g->server_version);
        printable(g->error_message);
    }
    if (const auto rdp = wire::parse_rdp_confirm(in))
        require(!(rdp->selected_protocol && rdp->failure_code));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const auto protocols = wire::starttls_protocols();
    const auto protocol = protocols[data[0] % protocols.size()];
    const std::size_t piece = 1 + data[1] % 64;
    const core::ByteView in(data + 2, size - 2);
    parsers(in);

    wire::UpgradeDialogue dialogue(protocol, "fuzz.example");
    auto step = dialogue.start();
    check_step(step);
    using Kind = wire::UpgradeStep::Kind;
    bool ended = step.kind == Kind::ready || step.kind == Kind::fail ||
                 (step.kind == Kind::send && step.then_ready);
    std::size_t at = 0;
    // Each feed consumes a piece; empty feeds let replies that arrived together be judged.
    for (std::size_t round = 0; !ended && round < 4 * in.size() + 16; ++round) {
        core::ByteView next;
        if (step.kind != Kind::send || at >= in.size()) {
            if (at >= in.size()) break;
            const std::size_t n = std::min(piece, in.size() - at);
            next = in.subspan(at, n);
            at += n;
        }
        step = dialogue.feed(next);
        check_step(step);
        ended = step.kind == Kind::ready || step.kind == Kind::fail ||
                (step.kind == Kind::send && step.then_ready);
    }
    require(dialogue.first_bytes().size() <= 256);
    printable(wire::greeting_banner(protocol, dialogue.first_bytes()));
    if (ended && step.kind != Kind::send) {
        // After the end it keeps answering the same.
        const auto again = dialogue.feed(core::ByteView(data, std::min<std::size_t>(size, 8)));
        require(again.kind == step.kind);
        require(again.status == step.status);
    }
    return 0;
}
