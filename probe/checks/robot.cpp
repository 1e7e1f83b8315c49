#include "probe/checks/robot.hpp"

#include "probe/checks/vuln_item.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/alert.hpp"
#include "probe/probe_target.hpp"
#include "probe/result.hpp"
#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"
#include "wire/writer.hpp"
#include "x509/certificate.hpp"

namespace tlsprobe::probe::checks {
namespace {

using core::Version;
using engine::AfterFlight;

constexpr std::array<FindingKind, 1> kRobotFindings{{
    {"vuln.robot", Severity::high,
     "ROBOT (CVE-2017-13099): the server's answers to RSA key exchanges are a Bleichenbacher "
     "padding oracle"},
}};

// The CVEs the ROBOT authors list for the affected implementations (robotattack.org).
const std::vector<std::string> kCves{"CVE-2017-13099", "CVE-2017-6168",  "CVE-2017-17382",
                                     "CVE-2017-17427", "CVE-2017-17428", "CVE-2017-13098",
                                     "CVE-2017-1000385", "CVE-2016-6883", "CVE-2012-5081"};

constexpr std::size_t kPmsBytes = 48;      // RFC 5246 §7.4.7.1: version (2) + random (46)
constexpr std::size_t kMinModulus = 64;    // 512 bits: anything smaller is not a TLS key
constexpr std::size_t kFinishedBytes = 64; // the garbage "encrypted Finished"
// With the ChangeCipherSpec and Finished every server answers at once (a fixed one with an
// alert); without them a server may wait for the rest of the flight, so that wait is short.
constexpr std::chrono::milliseconds kAnswerWait{1500};
constexpr std::string_view kNotSent = "not sent";

using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

// The leaf's RSA public key (owned by the certificate), or null.
EVP_PKEY* rsa_key(const x509::X509Ptr& cert) {
    if (!cert) return nullptr;
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    return key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? key : nullptr;
}

// Deterministic filler: the test must send the same bytes every time (a repeat compares
// answers), and nothing here is secret.
std::uint8_t nonzero_filler(std::size_t i) { return static_cast<std::uint8_t>((i * 29 + 0x33) % 255 + 1); }
std::uint8_t secret_filler(std::size_t i) { return static_cast<std::uint8_t>(0xa5 ^ (i * 13)); }

bool is_rsa_transport(std::uint32_t code) {
    const auto* s = wire::find_cipher_suite(code);
    return s && !s->is_ssl2() && s->kx == wire::KeyExchange::rsa && !s->export_grade;
}

std::vector<std::uint16_t> rsa_suites(const TargetResult& r, Version v) {
    std::vector<std::uint16_t> out;
    for (const auto& e : r.version(v).ciphers)
        if (is_rsa_transport(e.code)) out.push_back(static_cast<std::uint16_t>(e.code));
    return out;
}

// The highest version in SSL 3.0-TLS 1.2 in which the enumeration found an RSA
// key-transport suite accepted.
std::optional<Version> robot_version(const TargetResult& r) {
    for (auto v : {Version::tls1_2, Version::tls1_1, Version::tls1_0, Version::ssl3})
        if (!rsa_suites(r, v).empty()) return v;
    return std::nullopt;
}

// The server's certificate: the analysed chain's leaf, else the first certificate any
// negotiated attempt was served (a server no OpenSSL handshake completes with).
const core::Bytes* leaf_der(const TargetResult& r) {
    if (r.chain && !r.chain->certificates.empty()) {
        const auto& leaf =
            r.chain->certificates[std::min(r.chain->leaf, r.chain->certificates.size() - 1)];
        if (!leaf.der.empty()) return &leaf.der;
    }
    for (const auto& p : r.probes)
        if (p.observation.status == core::Status::negotiated && !p.observation.chain.empty())
            return &p.observation.chain.front();
    return nullptr;
}

RobotOracle classify_with_repeat(const RobotAnswers& first, const RobotAnswers& again) {
    return first == again ? RobotCheck::classify(first) : RobotOracle::unknown;
}

std::string answers_line(const RobotAnswers& a) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < a.size(); ++i)
        parts.push_back(fmt::format("{} -> {}", to_string(kRobotVectors[i]), a[i]));
    return fmt::format("{}", fmt::join(parts, "; "));
}

nlohmann::json answers_json(const std::optional<RobotAnswers>& a) {
    if (!a) return nullptr;
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t i = 0; i < a->size(); ++i) j[std::string(to_string(kRobotVectors[i]))] = (*a)[i];
    return j;
}

// One connection per vector from `first` on, one at a time, into `answers`, each answer
// awaited `wait` at most; `slowest` keeps the longest connection that got an answer (not
// silence). False when a hello did not get as far as the ClientKeyExchange (the note says why).
boost::asio::awaitable<bool> robot_round(const CheckContext& c, const wire::ClientHelloSpec& spec,
                                         const std::array<core::Bytes, 5>& encrypted, Version v,
                                         bool finish, std::chrono::milliseconds wait,
                                         std::size_t first, std::size_t end, RobotAnswers& answers,
                                         RobotResult& out,
                                         std::optional<std::chrono::microseconds>& slowest) {
    for (std::size_t i = first; i < end; ++i) {
        engine::RawClientOptions options;
        options.timeout = c.options.timeout;
        options.after_flight = RobotCheck::after_flight(encrypted[i], v, finish);
        options.after_timeout = std::min(wait, c.options.timeout);
        auto hello = engine::make_raw_hello(spec);
        const auto started = std::chrono::steady_clock::now();
        const auto attempt = co_await c.engines.raw(c.peer, std::move(hello), options);
        const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started);
        ++out.connections;
        if (attempt.after.end != AfterFlight::End::timeout &&
            attempt.after.end != AfterFlight::End::not_sent)
            slowest = std::max(slowest.value_or(std::chrono::microseconds(0)), took);
        if (attempt.after.end == AfterFlight::End::not_sent) {
            out.item.note = fmt::format(
                "the {} hello did not get to the key exchange: {}", core::display_name(v),
                attempt.observation.detail.empty()
                    ? std::string(core::outcome_phrase(attempt.observation))
                    : attempt.observation.detail);
            co_return false;
        }
        if (out.suite.empty()) out.suite = attempt.observation.cipher;
        answers[i] = RobotCheck::answer(attempt);
    }
    co_return true;
}

}  // namespace

std::string_view to_string(RobotVector v) {
    switch (v) {
        case RobotVector::valid: return "valid";
        case RobotVector::wrong_first_bytes: return "wrong_first_bytes";
        case RobotVector::wrong_00_position: return "wrong_00_position";
        case RobotVector::no_00_separator: return "no_00_separator";
        case RobotVector::wrong_version: return "wrong_version";
    }
    return "valid";
}

std::string_view to_string(RobotOracle o) {
    switch (o) {
        case RobotOracle::none: return "none";
        case RobotOracle::weak: return "weak";
        case RobotOracle::strong: return "strong";
        case RobotOracle::unknown: return "unknown";
    }
    return "unknown";
}

// ---- result -----------------------------------------------------------------------------

std::vector<Finding> RobotResult::findings() const {
    if (item.status != VulnStatus::vulnerable) return {};
    const auto& k = kRobotFindings[0];
    // The catalogue's severity is the strong oracle's; a weak one needs far more queries.
    const auto severity = oracle == RobotOracle::strong ? k.severity : Severity::medium;
    return {Finding{std::string(k.id), severity, std::string(k.title),
                    fmt::format("{} oracle; {}: {}", to_string(oracle), fmt::join(item.cves, ", "),
                                fmt::join(item.evidence, "; "))}};
}

nlohmann::json RobotResult::to_json() const {
    nlohmann::json j = vulnerability_json(item, version);
    j["oracle"] = to_string(oracle);
    j["suite"] = suite;
    j["modulus_bits"] = modulus_bits;
    j["answers"] = {{"with_finished", answers_json(full)},
                    {"without_finished", answers_json(short_flight)}};
    j["repeated"] = repeated;
    j["connections"] = connections;
    j["short_wait_ms"] = short_wait ? nlohmann::json(short_wait->count()) : nlohmann::json();
    return j;
}

std::vector<std::string> RobotResult::text() const {
    std::vector<std::string> lines;
    const auto name = fmt::format("{} ({})", item.name, item.cves.front());
    switch (item.status) {
        case VulnStatus::vulnerable:
            lines.push_back(fmt::format("{}: VULNERABLE, {} oracle", name, to_string(oracle)));
            break;
        case VulnStatus::not_vulnerable:
            lines.push_back(fmt::format("{}: not vulnerable (no oracle)", name));
            break;
        case VulnStatus::unknown: lines.push_back(fmt::format("{}: unknown", name)); break;
    }
    if (version)
        lines.push_back(fmt::format("{} {}, RSA {} bits, {} connection(s)",
                                    core::display_name(*version),
                                    suite.empty() ? std::string("(no suite)") : suite, modulus_bits,
                                    connections));
    if (full) lines.push_back("with ChangeCipherSpec and Finished: " + answers_line(*full));
    if (short_flight)
        lines.push_back(fmt::format("ClientKeyExchange alone (each answer awaited {} ms): {}",
                                    short_wait ? short_wait->count() : 0,
                                    answers_line(*short_flight)));
    if (!item.note.empty()) lines.push_back(item.note);
    return lines;
}

// ---- the pure parts ---------------------------------------------------------------------

core::Bytes RobotCheck::padded_block(RobotVector vector, std::size_t k, Version client) {
    // 00 02 | k - 51 non-zero bytes | 00 | 48-byte pre-master secret (version + 46 bytes).
    const std::size_t pad = k - 3 - kPmsBytes;
    core::Bytes b;
    b.reserve(k);
    b.push_back(0x00);
    b.push_back(0x02);
    for (std::size_t i = 0; i < pad; ++i) b.push_back(nonzero_filler(i));
    const auto code = core::wire_code(client);
    core::Bytes secret;
    for (std::size_t i = 0; i < kPmsBytes - 2; ++i) secret.push_back(secret_filler(i));
    switch (vector) {
        case RobotVector::valid:
        case RobotVector::wrong_first_bytes:
        case RobotVector::wrong_version: {
            b.push_back(0x00);
            const bool right = vector != RobotVector::wrong_version;
            b.push_back(right ? static_cast<std::uint8_t>(code >> 8) : 0x02);
            b.push_back(right ? static_cast<std::uint8_t>(code & 0xff) : 0x02);
            b.insert(b.end(), secret.begin(), secret.end());
            if (vector == RobotVector::wrong_first_bytes) {
                b[0] = 0x41;
                b[1] = 0x17;
            }
            break;
        }
        case RobotVector::wrong_00_position:
            // The separator where the message would be 2 bytes long: not 48.
            b.push_back(0x11);
            b.insert(b.end(), secret.begin(), secret.end());
            b.push_back(0x00);
            b.push_back(0x11);
            break;
        case RobotVector::no_00_separator:
            b.push_back(0x11);
            b.push_back(0x11);
            b.push_back(0x11);
            b.insert(b.end(), secret.begin(), secret.end());
            break;
    }
    return b;
}

std::size_t RobotCheck::modulus_bytes(core::ByteView der) {
    const auto cert = x509::x509_from_der(der);
    const auto* key = rsa_key(cert);
    return key ? static_cast<std::size_t>(EVP_PKEY_get_size(key)) : 0;
}

std::optional<core::Bytes> RobotCheck::encrypt(core::ByteView der, core::ByteView block) {
    const auto cert = x509::x509_from_der(der);
    EVP_PKEY* key = rsa_key(cert);
    if (!key || block.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key))) return std::nullopt;
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) <= 0)
        return std::nullopt;
    std::size_t size = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &size, block.data(), block.size()) <= 0)
        return std::nullopt;
    core::Bytes out(size);
    // Fails when the block is not below the modulus (cannot happen: it starts with 00 or 41).
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &size, block.data(), block.size()) <= 0)
        return std::nullopt;
    out.resize(size);
    return out;
}

core::Bytes RobotCheck::after_flight(core::ByteView encrypted, Version v, bool finish) {
    const auto code = core::wire_code(v);
    wire::Writer w;
    // ClientKeyExchange (RFC 5246 §7.4.7.1): TLS prefixes the EncryptedPreMasterSecret with
    // its length, SSL 3.0 does not (RFC 6101 §5.6.7.1).
    w.u8(static_cast<std::uint8_t>(wire::ContentType::handshake));
    w.u16(code);
    w.prefixed(2, [&](wire::Writer& record) {
        record.u8(static_cast<std::uint8_t>(wire::HandshakeType::client_key_exchange));
        record.prefixed(3, [&](wire::Writer& msg) {
            if (v == Version::ssl3) msg.bytes(encrypted);
            else msg.prefixed(2, [&](wire::Writer& e) { e.bytes(encrypted); });
        });
    });
    if (finish) {
        w.u8(static_cast<std::uint8_t>(wire::ContentType::change_cipher_spec));
        w.u16(code);
        w.u16(1);
        w.u8(1);
        // The Finished, "encrypted" under keys nobody can derive: garbage of a plausible size.
        w.u8(static_cast<std::uint8_t>(wire::ContentType::handshake));
        w.u16(code);
        w.prefixed(2, [](wire::Writer& record) {
            for (std::size_t i = 0; i < kFinishedBytes; ++i)
                record.u8(static_cast<std::uint8_t>(0x3c + i * 7));
        });
    }
    return w.take();
}

std::string RobotCheck::answer(const engine::RawResult& a) {
    const auto& reply = a.after.reply;
    switch (a.after.end) {
        case AfterFlight::End::not_sent: return "not sent";
        case AfterFlight::End::record:
            if (reply[0] == static_cast<std::uint8_t>(wire::ContentType::alert) && reply.size() >= 7)
                return fmt::format("alert {} ({})", core::alert_name(reply[6]), reply[6]);
            return fmt::format("a record of type {}", reply[0]);
        case AfterFlight::End::closed: return "FIN";
        case AfterFlight::End::reset: return "RST";
        case AfterFlight::End::timeout: return "silence";
    }
    return "not sent";
}

std::chrono::milliseconds RobotCheck::short_wait(std::optional<std::chrono::microseconds> slowest,
                                                std::chrono::milliseconds timeout) {
    if (!slowest) return std::min(kShortWaitDefault, timeout);
    const auto four = std::chrono::ceil<std::chrono::milliseconds>(*slowest * 4);
    return std::min(std::max(four, kShortWaitFloor), timeout);
}

RobotOracle RobotCheck::classify(const RobotAnswers& a) {
    if (std::all_of(a.begin(), a.end(), [&](const std::string& s) { return s == a[0]; }))
        return RobotOracle::none;
    // wrong_first_bytes, wrong_00_position and no_00_separator alike: only a conforming
    // message stands out (the paper's weak oracle).
    return a[1] == a[2] && a[2] == a[3] ? RobotOracle::weak : RobotOracle::strong;
}

// ---- the check --------------------------------------------------------------------------

std::span<const FindingKind> RobotCheck::finding_kinds() const { return kRobotFindings; }

bool RobotCheck::applies(const TargetResult& result) const {
    const auto* der = leaf_der(result);
    return robot_version(result).has_value() && der && modulus_bytes(*der) >= kMinModulus;
}

boost::asio::awaitable<CheckResultPtr> RobotCheck::run(CheckContext c) const {
    auto out = std::make_shared<RobotResult>();
    out->item.id = "robot";
    out->item.name = "ROBOT";
    out->item.cves = kCves;
    out->item.status = VulnStatus::unknown;
    const auto v = *robot_version(c.result);
    out->version = v;
    const auto& der = *leaf_der(c.result);
    const auto k = modulus_bytes(der);
    out->modulus_bits = static_cast<int>(k * 8);

    std::array<core::Bytes, 5> encrypted;
    for (std::size_t i = 0; i < kRobotVectors.size(); ++i) {
        auto e = encrypt(der, padded_block(kRobotVectors[i], k, v));
        if (!e) {
            out->item.note = "the certificate's RSA key could not be used to encrypt the vectors";
            co_return out;
        }
        encrypted[i] = std::move(*e);
    }

    wire::HelloOptions hello_options;
    hello_options.server_name = c.result.target.sni;
    hello_options.cipher_suites = rsa_suites(c.result, v);
    const auto spec = wire::preset_client_hello(v, hello_options);

    constexpr std::size_t kAll = kRobotVectors.size();
    RobotAnswers full;
    std::optional<std::chrono::microseconds> slowest;
    const bool sent = co_await robot_round(c, spec, encrypted, v, true, kAnswerWait, 0, kAll, full,
                                           *out, slowest);
    if (!sent) co_return out;
    out->full = full;
    auto oracle = classify(full);
    bool with_finish = true;
    if (oracle == RobotOracle::none) {
        // Without the ChangeCipherSpec and Finished a fixed server waits for them whatever the
        // padding, so each answer costs the wait (a multiple of how long this server took to
        // answer the first round): valid and wrong_first_bytes first, the other three only
        // when those two already differ.
        const auto wait = short_wait(slowest, c.options.timeout);
        out->short_wait = wait;
        RobotAnswers bare;
        bare.fill(std::string(kNotSent));
        const bool two =
            co_await robot_round(c, spec, encrypted, v, false, wait, 0, 2, bare, *out, slowest);
        if (!two) co_return out;
        if (bare[0] != bare[1]) {
            const bool rest = co_await robot_round(c, spec, encrypted, v, false, wait, 2, kAll,
                                                   bare, *out, slowest);
            if (!rest) co_return out;
        }
        out->short_flight = bare;
        oracle = bare[0] == bare[1] ? RobotOracle::none : classify(bare);
        with_finish = false;
    }
    if (oracle != RobotOracle::none) {
        // A difference: the same five again, so that one slow or dropped answer is not
        // taken for an oracle.
        out->repeated = true;
        RobotAnswers again;
        const bool again_sent =
            co_await robot_round(c, spec, encrypted, v, with_finish,
                                 with_finish ? kAnswerWait : *out->short_wait, 0, kAll, again,
                                 *out, slowest);
        if (!again_sent) co_return out;
        oracle = classify_with_repeat(with_finish ? *out->full : *out->short_flight, again);
        if (oracle == RobotOracle::unknown)
            out->item.note = fmt::format("the answers changed when the vectors were sent again: {}",
                                         answers_line(again));
    }
    out->oracle = oracle;
    switch (oracle) {
        case RobotOracle::none:
            out->item.status = VulnStatus::not_vulnerable;
            out->item.note = "every padding test vector got the same answer with the "
                             "ChangeCipherSpec and Finished, and valid and wrong_first_bytes "
                             "the same without them";
            break;
        case RobotOracle::weak:
        case RobotOracle::strong:
            out->item.status = VulnStatus::vulnerable;
            out->item.evidence.push_back(fmt::format(
                "{} {}, {}: {}", core::display_name(v), out->suite,
                with_finish ? "ClientKeyExchange + ChangeCipherSpec + Finished"
                            : "ClientKeyExchange alone",
                answers_line(with_finish ? *out->full : *out->short_flight)));
            break;
        case RobotOracle::unknown: break;
    }
    co_return out;
}

}  // namespace tlsprobe::probe::checks
