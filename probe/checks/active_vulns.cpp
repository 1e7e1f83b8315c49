#include "probe/checks/active_vulns.hpp"

#include "probe/checks/vuln_item.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/alert.hpp"
#include "probe/probe_target.hpp"
#include "probe/result.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"

namespace tlsprobe::probe::checks {
namespace {

using core::Version;
using engine::AfterFlight;

constexpr std::array<FindingKind, 1> kHeartbleedFindings{{
    {"vuln.heartbleed", Severity::critical,
     "Heartbleed (CVE-2014-0160): the server answers heartbeats with its own memory"},
}};
constexpr std::array<FindingKind, 1> kCcsFindings{{
    {"vuln.ccs_injection", Severity::high,
     "CCS injection (CVE-2014-0224): the server accepts an early ChangeCipherSpec"},
}};

constexpr std::uint16_t kClaimedPayload = 0x4000;  // what the request says it carries
constexpr std::size_t kExcerptBytes = 16;          // at most this much of an answer is kept
// How long to wait for the answer to the unusual record: a fixed server answers at once
// (alert) or never (a silently discarded heartbeat); the probe's timeout bounds it too.
constexpr std::chrono::milliseconds kAnswerWait{1500};

// The highest version in [lowest, TLS 1.2] the server answers with a ServerHello.
std::optional<Version> best_version(const TargetResult& r, Version lowest) {
    for (auto v : {Version::tls1_2, Version::tls1_1, Version::tls1_0, Version::ssl3})
        if (v >= lowest && (r.version(v).supported == std::optional<bool>(true) ||
                            r.version(v).disagreement == Disagreement::handshake_broken))
            return v;  // a ServerHello is all these checks need
    return std::nullopt;
}

core::Bytes one_record(Version v, wire::ContentType type, core::ByteView body) {
    const auto code = core::wire_code(v);
    // Sized first, then filled: GCC 12 at -O2 sees a false out-of-bounds memcpy in
    // vector::insert after an initializer-list construction (-Warray-bounds).
    core::Bytes out(5 + body.size());
    out[0] = static_cast<std::uint8_t>(type);
    out[1] = static_cast<std::uint8_t>(code >> 8);
    out[2] = static_cast<std::uint8_t>(code & 0xff);
    out[3] = static_cast<std::uint8_t>(body.size() >> 8);
    out[4] = static_cast<std::uint8_t>(body.size() & 0xff);
    std::copy(body.begin(), body.end(), out.begin() + 5);
    return out;
}

// How the server answered the unusual record, for people.
std::string answer_line(const engine::RawResult& a) {
    const auto& reply = a.after.reply;
    switch (a.after.end) {
        case AfterFlight::End::not_sent:
            return fmt::format("not sent: the hello did not negotiate ({})",
                               core::outcome_phrase(a.observation));
        case AfterFlight::End::record:
            if (reply[0] == static_cast<std::uint8_t>(wire::ContentType::alert) && reply.size() >= 7)
                return fmt::format("alert {} ({})", core::alert_name(reply[6]), reply[6]);
            return fmt::format("a record of type {} with {} bytes", reply[0],
                               (std::size_t{reply[3]} << 8) | reply[4]);
        case AfterFlight::End::closed: return "the server closed the connection (FIN)";
        case AfterFlight::End::reset: return "the server reset the connection (RST)";
        case AfterFlight::End::timeout: return "no answer (silence)";
    }
    return "";
}

std::shared_ptr<ActiveVulnResult> base(std::string check, std::string id, std::string name,
                                       std::string cve, Version v, const engine::RawResult& a) {
    auto out = std::make_shared<ActiveVulnResult>();
    out->check_id = std::move(check);
    out->item.id = std::move(id);
    out->item.name = std::move(name);
    out->item.cves = {std::move(cve)};
    out->version = v;
    out->answer = answer_line(a);
    return out;
}

boost::asio::awaitable<engine::RawResult> send(const CheckContext& c, Version v, bool heartbeat,
                                               core::Bytes after) {
    wire::HelloOptions o;
    o.server_name = c.result.target.sni;
    for (const auto& e : c.result.version(v).ciphers)
        if (e.code <= 0xFFFF) o.cipher_suites.push_back(static_cast<std::uint16_t>(e.code));
    auto spec = wire::preset_client_hello(v, o);
    spec.heartbeat = heartbeat;
    engine::RawClientOptions options;
    options.timeout = c.options.timeout;
    options.after_flight = std::move(after);
    options.after_timeout = std::min(kAnswerWait, c.options.timeout);
    co_return co_await c.engines.raw(c.peer, engine::make_raw_hello(spec), options);
}

}  // namespace

std::vector<Finding> ActiveVulnResult::findings() const {
    if (item.status != VulnStatus::vulnerable) return {};
    const auto& k = check_id == "heartbleed" ? kHeartbleedFindings[0] : kCcsFindings[0];
    return {Finding{std::string(k.id), k.severity, std::string(k.title),
                    fmt::format("{}: {}", fmt::join(item.cves, ", "),
                                fmt::join(item.evidence, "; "))}};
}

nlohmann::json ActiveVulnResult::to_json() const {
    nlohmann::json j = vulnerability_json(item, version);
    j["answer"] = answer;
    if (!excerpt_hex.empty()) j["excerpt_hex"] = excerpt_hex;
    return j;
}

std::vector<std::string> ActiveVulnResult::text() const {
    return vulnerability_text(item, {fmt::format("{} hello; the answer: {}",
                                                 version ? core::display_name(*version) : "no",
                                                 answer)});
}

// ---- Heartbleed -------------------------------------------------------------------------

std::span<const FindingKind> HeartbleedCheck::finding_kinds() const { return kHeartbleedFindings; }

bool HeartbleedCheck::applies(const TargetResult& result) const {
    return best_version(result, Version::tls1_0).has_value();
}

core::Bytes HeartbleedCheck::request(Version v) {
    // HeartbeatMessage: type heartbeat_request (1), payload_length, one byte of payload and no
    // padding (RFC 6520 §4): the length lies by 16383 bytes.
    const std::array<std::uint8_t, 4> body{1, kClaimedPayload >> 8, kClaimedPayload & 0xff, 'T'};
    return one_record(v, wire::ContentType::heartbeat, body);
}

std::shared_ptr<ActiveVulnResult> HeartbleedCheck::judge(Version v, const engine::RawResult& a) {
    auto out = base("heartbleed", "heartbleed", "Heartbleed", "CVE-2014-0160", v, a);
    const auto& reply = a.after.reply;
    const bool negotiated = a.flight.hello && a.flight.hello->has_extension(wire::ext::heartbeat);
    if (a.after.end == AfterFlight::End::not_sent) {
        out->item.status = VulnStatus::unknown;
        out->item.note = out->answer;
        return out;
    }
    out->item.status = VulnStatus::not_vulnerable;
    if (a.after.end == AfterFlight::End::record &&
        reply[0] == static_cast<std::uint8_t>(wire::ContentType::heartbeat)) {
        const std::size_t length = (std::size_t{reply[3]} << 8) | reply[4];
        // Sent: 1 byte of payload. A response carrying more than that (type 1 + length 2 +
        // payload 1 + padding 16 = 20 bytes) copied memory past the request.
        if (length > 20 || reply.size() > 5 + 20) {
            out->item.status = VulnStatus::vulnerable;
            const auto past = reply.size() > 9 ? core::ByteView(reply).subspan(9) : core::ByteView();
            out->excerpt_hex = core::hex_dump(past, kExcerptBytes);
            out->item.evidence.push_back(fmt::format(
                "a heartbeat request claiming {} bytes and carrying 1 got a {}-byte heartbeat "
                "response (first bytes past the request: {})",
                kClaimedPayload, length, out->excerpt_hex));
        }
    }
    if (out->item.status == VulnStatus::not_vulnerable)
        out->item.note = negotiated ? "the heartbeat extension is negotiated, but the over-long "
                                      "request is not answered with memory"
                                    : "the server does not negotiate the heartbeat extension";
    return out;
}

boost::asio::awaitable<CheckResultPtr> HeartbleedCheck::run(CheckContext c) const {
    const auto v = *best_version(c.result, Version::tls1_0);
    const auto attempt = co_await send(c, v, true, request(v));
    co_return judge(v, attempt);
}

// ---- CCS injection ----------------------------------------------------------------------

std::span<const FindingKind> CcsInjectionCheck::finding_kinds() const { return kCcsFindings; }

bool CcsInjectionCheck::applies(const TargetResult& result) const {
    return best_version(result, Version::ssl3).has_value();
}

core::Bytes CcsInjectionCheck::request(Version v) {
    const std::array<std::uint8_t, 1> body{1};  // ChangeCipherSpec (RFC 5246 §7.1)
    return one_record(v, wire::ContentType::change_cipher_spec, body);
}

std::shared_ptr<ActiveVulnResult> CcsInjectionCheck::judge(Version v, const engine::RawResult& a) {
    auto out = base("ccs_injection", "ccs_injection", "CCS injection", "CVE-2014-0224", v, a);
    switch (a.after.end) {
        case AfterFlight::End::not_sent:
            out->item.status = VulnStatus::unknown;
            out->item.note = out->answer;
            break;
        case AfterFlight::End::timeout:
            out->item.status = VulnStatus::vulnerable;
            out->item.evidence.push_back(
                "a ChangeCipherSpec before the key exchange got no alert: the server took it");
            break;
        case AfterFlight::End::record:
        case AfterFlight::End::closed:
        case AfterFlight::End::reset:
            out->item.status = VulnStatus::not_vulnerable;
            out->item.note = "the early ChangeCipherSpec was refused";
            break;
    }
    return out;
}

boost::asio::awaitable<CheckResultPtr> CcsInjectionCheck::run(CheckContext c) const {
    const auto v = *best_version(c.result, Version::ssl3);
    const auto attempt = co_await send(c, v, false, request(v));
    co_return judge(v, attempt);
}

}  // namespace tlsprobe::probe::checks
