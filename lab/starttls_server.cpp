#include "lab/starttls_server.hpp"

#include <string>

namespace tlsprobe::lab {
namespace {

using Then = PreambleAnswer::Then;
using B = UpgradeBehaviour;
using wire::StartTls;

core::Bytes bytes(std::string_view s) { return core::Bytes(s.begin(), s.end()); }

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// One rule of a line-based server: a command prefix and its answer.
struct LineRule {
    std::string command;  // upper-case prefix of the client's line
    std::string reply;
    Then then = Then::go_on;
};

// Answers whole lines by the first matching rule; an unknown command gets `unknown`.
Preamble line_server(std::string greeting, std::vector<LineRule> rules, std::string unknown) {
    Preamble p;
    p.greeting = bytes(greeting);
    p.answer = [rules = std::move(rules), unknown = std::move(unknown)](core::ByteView pending) {
        const std::string text(pending.begin(), pending.end());
        const auto nl = text.find('\n');
        if (nl == std::string::npos) return PreambleAnswer{};
        const auto line = upper(text.substr(0, nl));
        for (const auto& r : rules)
            if (line.starts_with(r.command)) return PreambleAnswer{r.then, bytes(r.reply), nl + 1};
        return PreambleAnswer{Then::go_on, bytes(unknown), nl + 1};
    };
    return p;
}

// The answer to the STARTTLS command itself, by behaviour.
LineRule go_ahead(std::string command, std::string ok, std::string no, std::string auth, B b) {
    if (b == B::refused) return {std::move(command), std::move(no), Then::go_on};
    if (b == B::auth_required) return {std::move(command), std::move(auth), Then::go_on};
    if (b == B::inject) return {std::move(command), ok + "250 injected\r\n", Then::start_tls};
    return {std::move(command), std::move(ok), Then::start_tls};
}

Preamble smtp(B b) {
    const std::string caps =
        b == B::not_offered
            ? "250-lab.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
            : "250-lab.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
    return line_server("220 lab.example ESMTP Postfix (Debian/GNU)\r\n",
                       {{"EHLO", caps},
                        go_ahead("STARTTLS", "220 2.0.0 Ready to start TLS\r\n",
                                 "454 4.7.0 TLS not available due to local problem\r\n",
                                 "530 5.7.0 Must issue authentication first\r\n", b)},
                       "502 5.5.2 Error: command not recognized\r\n");
}

Preamble imap(B b) {
    const std::string caps = b == B::not_offered
                                 ? "* CAPABILITY IMAP4rev1 LOGINDISABLED\r\n"
                                 : "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n";
    return line_server("* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.\r\n",
                       {{"A1 CAPABILITY", caps + "A1 OK Pre-login capabilities listed.\r\n"},
                        go_ahead("A2 STARTTLS", "A2 OK Begin TLS negotiation now.\r\n",
                                 "A2 NO TLS support isn't enabled.\r\n",
                                 "A2 NO [PRIVACYREQUIRED] log in first\r\n", b)},
                       "* BAD unknown\r\n");
}

Preamble pop3(B b) {
    const std::string caps = b == B::not_offered ? "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\n.\r\n"
                                                 : "+OK\r\nCAPA\r\nTOP\r\nSTLS\r\nUIDL\r\n.\r\n";
    return line_server(
        "+OK Dovecot (Debian) ready.\r\n",
        {{"CAPA", caps},
         go_ahead("STLS", "+OK Begin TLS negotiation now.\r\n",
                  "-ERR TLS support isn't enabled.\r\n", "-ERR [AUTH] log in first\r\n", b)},
        "-ERR Unknown command.\r\n");
}

Preamble ftp(B b) {
    if (b == B::not_offered)
        return line_server("220 (vsFTPd 3.0.3)\r\n",
                           {{"AUTH", "530 Please login with USER and PASS.\r\n"}},
                           "500 Unknown command.\r\n");
    return line_server("220-Welcome to the lab FTP service\r\n220 (vsFTPd 3.0.3)\r\n",
                       {go_ahead("AUTH TLS", "234 Proceed with negotiation.\r\n",
                                 "534 Policy requires SSL.\r\n", "530 Please login first.\r\n", b)},
                       "500 Unknown command.\r\n");
}

Preamble nntp(B b) {
    const std::string caps =
        b == B::not_offered ? "101 Capability list:\r\nVERSION 2\r\nREADER\r\n.\r\n"
                            : "101 Capability list:\r\nVERSION 2\r\nREADER\r\nSTARTTLS\r\n.\r\n";
    return line_server("200 lab.example InterNetNews NNRP server ready\r\n",
                       {{"CAPABILITIES", caps},
                        go_ahead("STARTTLS", "382 Begin TLS negotiation now\r\n",
                                 "580 Can not initiate TLS negotiation\r\n",
                                 "480 Authentication required\r\n", b)},
                       "500 What?\r\n");
}

Preamble sieve(B b) {
    std::string greeting =
        "\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto\"\r\n";
    if (b != B::not_offered) greeting += "\"STARTTLS\"\r\n";
    greeting += "OK \"Dovecot ready.\"\r\n";
    return line_server(
        greeting,
        {go_ahead("STARTTLS", "OK \"Begin TLS negotiation now.\"\r\n",
                  "NO \"TLS not available\"\r\n", "NO \"authenticate first\"\r\n", b)},
        "NO \"unknown\"\r\n");
}

Preamble xmpp(B b, bool server) {
    Preamble p;
    const std::string ns = server ? "jabber:server" : "jabber:client";
    const std::string features =
        b == B::not_offered
            ? "<stream:features><mechanisms "
              "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></"
              "stream:features>"
            : "<stream:features><starttls "
              "xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";
    p.answer = [=](core::ByteView pending) {
        const std::string text(pending.begin(), pending.end());
        if (text.find("<stream:stream") != std::string::npos && text.back() == '>' &&
            text.find("<starttls") == std::string::npos)
            return PreambleAnswer{Then::go_on,
                                  bytes("<?xml version='1.0'?><stream:stream xmlns='" + ns +
                                        "' xmlns:stream='http://etherx.jabber.org/streams' "
                                        "id='lab1' from='lab.example' version='1.0'>" +
                                        features),
                                  pending.size()};
        if (text.find("<starttls") != std::string::npos && text.find("/>") != std::string::npos) {
            if (b == B::refused)
                return PreambleAnswer{
                    Then::close,
                    bytes("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"),
                    pending.size()};
            return PreambleAnswer{Then::start_tls,
                                  bytes("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
                                  pending.size()};
        }
        return PreambleAnswer{};
    };
    return p;
}

Preamble postgres(B b) {
    Preamble p;
    p.answer = [b](core::ByteView pending) {
        if (pending.size() < 8) return PreambleAnswer{};
        if (b == B::not_offered || b == B::auth_required)
            return PreambleAnswer{Then::close, bytes("N"), 8};
        if (b == B::refused) return PreambleAnswer{Then::close, bytes("E"), 8};
        if (b == B::inject) return PreambleAnswer{Then::start_tls, bytes("SX"), 8};
        return PreambleAnswer{Then::start_tls, bytes("S"), 8};
    };
    return p;
}

Preamble ldap(B b) {
    Preamble p;
    p.answer = [b](core::ByteView pending) {
        if (pending.size() < 2 || pending.size() < std::size_t{2} + pending[1])
            return PreambleAnswer{};
        int code = 0;
        std::string diag;
        if (b == B::not_offered) code = 2, diag = "unsupported extended operation";
        if (b == B::refused) code = 1, diag = "TLS already started";
        if (b == B::auth_required) code = 8, diag = "stronger authentication required";
        const std::string oid = "1.3.6.1.4.1.1466.20037";
        std::string op = std::string("\x0a\x01", 2) + static_cast<char>(code) +
                         std::string("\x04\x00", 2) + "\x04" + static_cast<char>(diag.size()) +
                         diag;
        if (code == 0) op += "\x8a" + std::string(1, static_cast<char>(oid.size())) + oid;
        std::string body =
            std::string("\x02\x01\x01", 3) + "\x78" + static_cast<char>(op.size()) + op;
        const std::string msg = "\x30" + std::string(1, static_cast<char>(body.size())) + body;
        return PreambleAnswer{code == 0 ? Then::start_tls : Then::close, bytes(msg),
                              2 + std::size_t{pending[1]}};
    };
    return p;
}

Preamble mysql(B b) {
    Preamble p;
    std::string payload = "\x0a" + std::string("10.11.6-MariaDB-0+deb12u1") + '\0';
    payload += std::string("\x05\x00\x00\x00", 4);                // connection id
    payload += "abcdefgh";                                        // auth-plugin-data part 1
    payload += '\0';                                              // filler
    const unsigned caps = b == B::not_offered ? 0xf7fe : 0xfffe;  // CLIENT_SSL = 0x0800
    payload += static_cast<char>(caps & 0xff);
    payload += static_cast<char>(caps >> 8);
    payload += static_cast<char>(45);       // charset
    payload += std::string("\x02\x00", 2);  // status
    payload += std::string("\xff\x81", 2);  // capabilities, upper
    payload += static_cast<char>(21);
    payload += std::string(10, '\0');
    payload += "ijklmnopqrst";
    payload += '\0';
    payload += "mysql_native_password";
    payload += '\0';
    std::string packet;
    packet += static_cast<char>(payload.size() & 0xff);
    packet += static_cast<char>((payload.size() >> 8) & 0xff);
    packet += '\0';
    packet += '\0';
    packet += payload;
    if (b == B::refused) {
        const std::string err =
            std::string("\xff\x6a\x04", 3) + "#HY000Host '127.0.0.1' is not allowed to connect";
        packet =
            std::string(1, static_cast<char>(err.size())) + std::string("\x00\x00\x00", 3) + err;
    }
    p.greeting = bytes(packet);
    p.answer = [b](core::ByteView pending) {
        if (b == B::refused) return PreambleAnswer{Then::close, {}, pending.size()};
        if (pending.size() < 36) return PreambleAnswer{};  // the 32-byte SSLRequest packet
        return PreambleAnswer{Then::start_tls, {}, 36};
    };
    return p;
}

Preamble irc(B b) {
    const std::string caps = b == B::not_offered ? "multi-prefix sasl" : "multi-prefix sasl tls";
    return line_server(
        ":lab.example NOTICE * :*** Looking up your hostname...\r\n",
        {{"CAP LS", ":lab.example NOTICE * :*** Found your hostname\r\n:lab.example CAP * LS * "
                    ":away-notify\r\n:lab.example CAP * LS :" +
                        caps + "\r\n"},
         go_ahead("STARTTLS", ":lab.example 670 * :STARTTLS successful, go ahead with TLS\r\n",
                  ":lab.example 691 * :STARTTLS failure\r\n",
                  ":lab.example 451 * :You have not registered\r\n", b)},
        ":lab.example 421 * :Unknown command\r\n");
}

// An RDP X.224 Connection Confirm: with an RDP_NEG_RSP selecting `selected`, an
// RDP_NEG_FAILURE with `failure`, or (both negative) no negotiation data at all.
std::string rdp_confirm(int selected, int failure) {
    std::string neg;
    if (selected >= 0) neg = std::string("\x02\x00\x08\x00", 4) + static_cast<char>(selected) +
                             std::string(3, '\0');
    if (failure >= 0) neg = std::string("\x03\x00\x08\x00", 4) + static_cast<char>(failure) +
                            std::string(3, '\0');
    const std::string x224 = std::string(1, static_cast<char>(6 + neg.size())) +
                             std::string("\xd0\x00\x00\x12\x34\x00", 6) + neg;
    const auto len = 4 + x224.size();
    return std::string("\x03\x00", 2) + static_cast<char>(len >> 8) +
           static_cast<char>(len & 0xff) + x224;
}

Preamble rdp(B b) {
    Preamble p;
    p.answer = [b](core::ByteView pending) {
        if (pending.size() < 4) return PreambleAnswer{};
        const std::size_t len = (std::size_t{pending[2]} << 8) | pending[3];
        if (pending.size() < len) return PreambleAnswer{};
        if (b == B::not_offered) return PreambleAnswer{Then::close, bytes(rdp_confirm(-1, -1)), len};
        if (b == B::refused) return PreambleAnswer{Then::close, bytes(rdp_confirm(-1, 2)), len};
        if (b == B::auth_required)
            return PreambleAnswer{Then::close, bytes(rdp_confirm(-1, 6)), len};
        if (b == B::inject)
            return PreambleAnswer{Then::start_tls, bytes(rdp_confirm(1, -1) + "X"), len};
        return PreambleAnswer{Then::start_tls, bytes(rdp_confirm(1, -1)), len};
    };
    return p;
}

}  // namespace

std::string_view to_string(UpgradeBehaviour b) {
    switch (b) {
        case B::good: return "good";
        case B::not_offered: return "not_offered";
        case B::refused: return "refused";
        case B::auth_required: return "auth_required";
        case B::wrong_greeting: return "wrong_greeting";
        case B::silent: return "silent";
        case B::inject: return "inject";
    }
    return "good";
}

Preamble upgrade_preamble(StartTls protocol, UpgradeBehaviour b) {
    if (b == B::silent) {
        Preamble p;
        p.hold_at_accept = true;
        return p;
    }
    if (b == B::wrong_greeting) {
        Preamble p;
        p.greeting = bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
        p.answer = [](core::ByteView pending) {
            return PreambleAnswer{Then::close, bytes("Invalid SSH identification string.\r\n"),
                                  pending.size()};
        };
        return p;
    }
    switch (protocol) {
        case StartTls::none: return {};
        case StartTls::smtp: return smtp(b);
        case StartTls::imap: return imap(b);
        case StartTls::pop3: return pop3(b);
        case StartTls::ftp: return ftp(b);
        case StartTls::ldap: return ldap(b);
        case StartTls::xmpp: return xmpp(b, false);
        case StartTls::xmpp_server: return xmpp(b, true);
        case StartTls::postgres: return postgres(b);
        case StartTls::mysql: return mysql(b);
        case StartTls::nntp: return nntp(b);
        case StartTls::sieve: return sieve(b);
        case StartTls::irc: return irc(b);
        case StartTls::rdp: return rdp(b);
        case StartTls::postgres_direct: return {};  // TLS at once (the lab's require_alpn)
    }
    return {};
}

}  // namespace tlsprobe::lab
