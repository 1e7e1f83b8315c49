#include "judge/platform.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/alert.hpp"
#include "wire/service.hpp"

namespace tlsprobe::judge {

using core::Status;
using probe::Confidence;
using probe::Platform;
using probe::ServerSoftware;
using probe::TlsStack;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Server header prefixes, most specific first ("Apache-Coyote" is Tomcat, not httpd).
struct HeaderRule {
    std::string_view prefix;  // lower case, matched at the start of the header
    ServerSoftware software;
    TlsStack stack;
};
constexpr std::array<HeaderRule, 17> kHeaders{{
    {"microsoft-iis", ServerSoftware::iis, TlsStack::schannel},
    {"microsoft-httpapi", ServerSoftware::iis, TlsStack::schannel},
    {"nginx", ServerSoftware::nginx, TlsStack::openssl},
    {"openresty", ServerSoftware::nginx, TlsStack::openssl},
    {"tengine", ServerSoftware::nginx, TlsStack::openssl},
    {"apache-coyote", ServerSoftware::java, TlsStack::jsse},
    {"apache tomcat", ServerSoftware::java, TlsStack::jsse},
    {"apache", ServerSoftware::apache, TlsStack::openssl},
    {"haproxy", ServerSoftware::haproxy, TlsStack::openssl},
    {"jetty", ServerSoftware::java, TlsStack::jsse},
    {"wildfly", ServerSoftware::java, TlsStack::jsse},
    {"glassfish", ServerSoftware::java, TlsStack::jsse},
    {"caddy", ServerSoftware::go, TlsStack::go},
    {"envoy", ServerSoftware::envoy, TlsStack::boringssl},
    {"istio-envoy", ServerSoftware::envoy, TlsStack::boringssl},
    {"cloudflare", ServerSoftware::cdn, TlsStack::boringssl},
    {"akamaighost", ServerSoftware::cdn, TlsStack::unknown},
}};

// How the TLS stack refused what it did not accept, counted over every attempt the server
// answered without completing: the habits that tell Schannel from the alert-sending stacks.
struct Habits {
    int silent = 0;  // RST or FIN right after the ClientHello, no alert
    int alerts = 0;
    int protocol_version = 0;   // alert 70
    int unrecognized_name = 0;  // alert 112
    int internal_error = 0;     // alert 80 to an SNI question
    std::vector<std::string> alert_labels;
};

Habits habits_of(const probe::TargetResult& r) {
    Habits h;
    for (const auto& p : r.probes) {
        const auto& o = p.observation;
        if ((o.status == Status::reset || o.status == Status::closed) &&
            o.phase == core::Phase::hello)
            ++h.silent;
        if (o.status != Status::rejected_alert || !o.alert) continue;
        ++h.alerts;
        if (*o.alert == 70) ++h.protocol_version;
        if (*o.alert == 112) ++h.unrecognized_name;
        if (*o.alert == 80 && p.spec.role != probe::ProbeRole::version) ++h.internal_error;
        const auto label = fmt::format("{} ({})", core::alert_name(*o.alert), *o.alert);
        if (std::find(h.alert_labels.begin(), h.alert_labels.end(), label) == h.alert_labels.end())
            h.alert_labels.push_back(label);
    }
    return h;
}

// What the habits say about the stack: schannel (resets only), an alert-sending stack
// (`alerting`), or nothing (no refusal seen).
enum class Family { none, schannel, alerting };

struct HabitReading {
    Family family = Family::none;
    TlsStack stack = TlsStack::unknown;  // the best single guess from the habits alone
    std::string evidence;
};

HabitReading read_habits(const Habits& h) {
    if (h.alerts == 0 && h.silent > 0)
        return {Family::schannel, TlsStack::schannel,
                fmt::format("every refused ClientHello ({}) ended in a TCP RST or FIN without an "
                            "alert (Schannel/HTTP.sys habit)",
                            h.silent)};
    if (h.alerts == 0) return {};
    if (h.protocol_version > 0)
        return {Family::alerting, TlsStack::openssl,
                fmt::format("refused versions got alert protocol_version (70), not a reset "
                            "(OpenSSL, BoringSSL, Go and JSSE habit; Schannel resets){}",
                            h.alert_labels.size() > 1
                                ? fmt::format("; alerts seen: {}", fmt::join(h.alert_labels, ", "))
                                : "")};
    if (h.internal_error > 0)
        return {Family::alerting, TlsStack::go,
                "a name it has no certificate for got alert internal_error (80) (Go crypto/tls "
                "and cloud front-end habit)"};
    if (h.unrecognized_name > 0)
        return {Family::alerting, TlsStack::openssl,
                "a name got alert unrecognized_name (112) (OpenSSL SNI callback, e.g. nginx "
                "ssl_reject_handshake)"};
    // Other alerts alone (handshake_failure for no shared cipher) come from Schannel too:
    // they tell no stack apart.
    return {};
}

bool consistent(ServerSoftware software, Family family) {
    if (family == Family::none) return true;
    return (software == ServerSoftware::iis) == (family == Family::schannel);
}

// The first HTTP reply the TLS port gave to a ClientHello, if any attempt got one.
std::optional<wire::ServiceGuess> http_reply_on_tls_port(const probe::TargetResult& r) {
    for (const auto& p : r.probes) {
        if (p.observation.status != Status::not_tls) continue;
        auto guess = wire::recognise_service(p.observation.first_bytes);
        if (guess && guess->protocol == "http") return guess;
    }
    return std::nullopt;
}

}  // namespace

HeaderGuess platform_from_server_header(std::string_view header) {
    const auto h = lower(header);
    for (const auto& rule : kHeaders)
        if (h.starts_with(rule.prefix)) return {rule.software, rule.stack};
    return {};
}

HeaderGuess platform_from_greeting(wire::StartTls protocol, std::string_view greeting) {
    const auto g = lower(greeting);
    const auto has = [&](std::string_view word) { return g.find(word) != std::string::npos; };
    switch (protocol) {
        case wire::StartTls::smtp:
            if (has("postfix")) return {ServerSoftware::postfix, TlsStack::openssl};
            if (has("microsoft esmtp") || has("microsoft exchange"))
                return {ServerSoftware::exchange, TlsStack::schannel};
            if (has("exim")) return {ServerSoftware::exim, TlsStack::unknown};
            if (has("sendmail")) return {ServerSoftware::sendmail, TlsStack::openssl};
            return {};
        case wire::StartTls::imap:
        case wire::StartTls::pop3:
        case wire::StartTls::sieve:
            if (has("dovecot")) return {ServerSoftware::dovecot, TlsStack::openssl};
            if (has("microsoft exchange")) return {ServerSoftware::exchange, TlsStack::schannel};
            return {};
        case wire::StartTls::mysql:
            if (greeting.empty()) return {};
            return {ServerSoftware::mysql, TlsStack::openssl};
        case wire::StartTls::postgres:
        case wire::StartTls::postgres_direct: return {ServerSoftware::postgresql, TlsStack::openssl};
        default: return {};
    }
}

namespace {
// The greeting of the first attempt that received one (every connection of a STARTTLS target
// makes the same dialogue).
std::string first_greeting(const probe::TargetResult& r) {
    for (const auto& p : r.probes)
        if (!p.observation.greeting.empty()) return p.observation.greeting;
    return {};
}

// Whether any attempt got past the upgrade: the server spoke the protocol.
bool upgraded(const probe::TargetResult& r) {
    return std::any_of(r.probes.begin(), r.probes.end(), [](const probe::ProbeRecord& p) {
        return p.observation.phase != core::Phase::upgrade &&
               p.observation.phase != core::Phase::connect;
    });
}
}  // namespace

Platform identify_platform(const probe::TargetResult& r) {
    Platform p;
    if (r.target.starttls != wire::StartTls::none) {
        // A mail, directory or database server: its greeting names it (there is no HTTP
        // Server header to read, and the TLS habits are the library's, not the server's).
        const auto greeting = first_greeting(r);
        const auto guess = platform_from_greeting(r.target.starttls, greeting);
        const bool by_protocol = greeting.empty() && upgraded(r);
        if (guess.software != ServerSoftware::unknown && (!greeting.empty() || by_protocol)) {
            p.software = guess.software;
            p.stack = guess.stack;
            p.confidence = Confidence::medium;
            if (!greeting.empty()) {
                p.product = std::string(probe::display_name(guess.software));
                p.evidence.push_back(fmt::format("the {} greeting: '{}'",
                                                 wire::display_name(r.target.starttls), greeting));
            } else {
                p.product = std::string(probe::display_name(guess.software));
                p.evidence.push_back(fmt::format("the server completed the {} dialogue",
                                                 wire::display_name(r.target.starttls)));
            }
            return p;
        }
    }
    const auto reading = read_habits(habits_of(r));

    // HTTP.sys answering a ClientHello with its own 400: the listener is HTTP.sys itself.
    const auto reply = http_reply_on_tls_port(r);
    std::string header;
    std::string header_evidence;
    if (reply && !reply->server_header.empty()) {
        header = reply->server_header;
        header_evidence = fmt::format("the reply to the ClientHello was '{}' with Server: {}",
                                      reply->banner, reply->server_header);
    } else if (r.http && !r.http->server_header.empty()) {
        header = r.http->server_header;
        header_evidence =
            fmt::format("HTTP Server: {} (plain HTTP on port {})", header, r.http->port);
    }

    if (!header.empty()) {
        const auto guess = platform_from_server_header(header);
        p.product = header.substr(0, header.find(' '));
        p.evidence.push_back(header_evidence);
        if (guess.software == ServerSoftware::unknown) {
            // A header we cannot place: keep it as evidence, read the stack from the habits.
            if (reading.family != Family::none) {
                p.stack = reading.stack;
                p.evidence.push_back(reading.evidence);
            }
            p.confidence = Confidence::low;
            if (reading.family == Family::schannel) p.software = ServerSoftware::iis;
            return p;
        }
        p.software = guess.software;
        p.stack = guess.stack;
        const bool httpsys_reply = reply && guess.software == ServerSoftware::iis &&
                                   lower(header).starts_with("microsoft-httpapi");
        if (httpsys_reply) {
            p.confidence = Confidence::high;
            p.evidence.push_back(
                "HTTP.sys answers a ClientHello on an http:// registration with its own 400 "
                "page");
        } else if (reading.family == Family::none) {
            p.confidence = Confidence::medium;
        } else if (consistent(guess.software, reading.family)) {
            p.confidence = Confidence::high;
            p.evidence.push_back(reading.evidence);
        } else {
            // The header names the software behind the TLS terminator, not the terminator:
            // the platform follows the TLS habits (the one whose configuration needs the fix).
            p.confidence = Confidence::low;
            p.software =
                reading.family == Family::schannel ? ServerSoftware::iis : ServerSoftware::unknown;
            p.stack = reading.stack;
            p.evidence.push_back(reading.evidence);
            p.evidence.push_back(fmt::format(
                "the TLS habits do not fit {}: a front end (load balancer, proxy, CDN) may "
                "terminate TLS in front of it",
                probe::display_name(guess.software)));
        }
        return p;
    }

    // Habits alone.
    if (reading.family == Family::none) return p;
    p.confidence = Confidence::low;
    p.stack = reading.stack;
    p.evidence.push_back(reading.evidence);
    if (reading.family == Family::schannel) p.software = ServerSoftware::iis;
    return p;
}

}  // namespace tlsprobe::judge
