#include "wire/client_simulation.hpp"

#include <charconv>
#include <fmt/format.h>

#include "wire/client_hello.hpp"
#include "wire/writer.hpp"

namespace tlsprobe::wire {
namespace {

constexpr std::uint8_t kClientHelloType = 1;
constexpr std::uint16_t kServerNameExtension = 0;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::optional<core::Bytes> from_hex(std::string_view s) {
    if (s.size() % 2 != 0) return std::nullopt;
    core::Bytes out;
    out.reserve(s.size() / 2);
    for (std::size_t i = 0; i < s.size(); i += 2) {
        std::uint8_t b = 0;
        const auto r = std::from_chars(s.data() + i, s.data() + i + 2, b, 16);
        if (r.ec != std::errc() || r.ptr != s.data() + i + 2) return std::nullopt;
        out.push_back(b);
    }
    return out;
}

// A bit count, or -1 for no limit; false for anything else. (Not an optional of an
// optional: GCC 12 warns maybe-uninitialized on that at -O2.)
bool bits(std::string_view s, std::optional<int>& out) {
    if (s == "-1") {
        out.reset();
        return true;
    }
    int v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0 || v > 65536) return false;
    out = v;
    return true;
}

std::optional<bool> boolean(std::string_view s) {
    if (s == "true") return true;
    if (s == "false") return false;
    return std::nullopt;
}

// "0x0303" -> TLS 1.2; testssl.sh writes SSL 2.0 as 0x0200.
std::optional<core::Version> protocol(std::string_view s) {
    if (s.size() != 6 || s.substr(0, 2) != "0x") return std::nullopt;
    std::uint16_t code = 0;
    const auto r = std::from_chars(s.data() + 2, s.data() + 6, code, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + 6) return std::nullopt;
    if (code == 0x0200 || code == 0x0002) return core::Version::ssl2;
    return core::version_from_wire(code);
}

// One block while it is read: which required fields were seen.
struct Pending {
    ClientProfile profile;
    bool has_hello = false, has_lowest = false, has_highest = false;
    std::string error;  // first malformed required field: the block is dropped
};

}  // namespace

ClientData parse_client_data(std::string_view text) {
    ClientData data;
    std::optional<Pending> block;
    auto warn = [&](std::size_t line, std::string message) {
        data.warnings.push_back({line, std::move(message)});
    };
    auto finish = [&] {
        if (!block) return;
        auto& b = *block;
        if (b.error.empty() && !b.has_hello) b.error = "no handshakebytes";
        if (b.error.empty() && (!b.has_lowest || !b.has_highest))
            b.error = "no lowest_protocol/highest_protocol";
        if (b.error.empty() && b.profile.lowest > b.profile.highest)
            b.error = "lowest_protocol is above highest_protocol";
        if (b.error.empty()) {
            const auto parsed = parse_client_hello(b.profile.hello);
            if (parsed.kind != ClientHelloParse::Kind::ok)
                b.error = "handshakebytes is not a whole ClientHello" +
                          (parsed.error.empty() ? std::string() : ": " + parsed.error);
        }
        if (b.error.empty())
            data.profiles.push_back(std::move(b.profile));
        else
            warn(b.profile.line, fmt::format("client '{}' skipped: {}", b.profile.name, b.error));
        block.reset();
    };

    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto end = std::min(text.find('\n', pos), text.size());
        const auto line = trim(text.substr(pos, end - pos));
        pos = end + 1;
        ++line_no;
        if (line.empty() || line.front() == '#') {
            if (end == text.size()) break;
            continue;
        }
        const auto op = line.find("+=(");
        if (op == std::string_view::npos || line.back() != ')' || op == 0) {
            warn(line_no, "not a key+=(value) line; ignored");
            if (end == text.size()) break;
            continue;
        }
        const auto key = line.substr(0, op);
        auto value = line.substr(op + 3, line.size() - op - 4);
        const bool quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
        if (quoted) value = value.substr(1, value.size() - 2);

        if (key == "names") {
            finish();
            block.emplace();
            block->profile.name = std::string(value);
            block->profile.line = line_no;
            if (value.empty()) block->error = "empty name";
        } else if (!block) {
            warn(line_no, fmt::format("'{}' before the first names+= line; ignored", key));
        } else {
            auto& b = *block;
            auto& p = b.profile;
            auto bad = [&](std::string_view what) {
                if (b.error.empty())
                    b.error = fmt::format("line {}: {} '{}' is not {}", line_no, key,
                                          value.substr(0, 40), what);
            };
            if (key == "short") {
                p.short_name = std::string(value);
            } else if (key == "handshakebytes") {
                if (auto bytes = from_hex(value); bytes && !bytes->empty()) {
                    p.hello = std::move(*bytes);
                    b.has_hello = true;
                } else {
                    bad("hexadecimal bytes");
                }
            } else if (key == "lowest_protocol" || key == "highest_protocol") {
                const auto v = protocol(value);
                if (!v) {
                    bad("a protocol code like 0x0303");
                } else if (key == "lowest_protocol") {
                    p.lowest = *v;
                    b.has_lowest = true;
                } else {
                    p.highest = *v;
                    b.has_highest = true;
                }
            } else if (key == "sni") {
                p.sends_sni = !value.empty();
            } else if (key == "current" || key == "requiresSha2") {
                const auto v = boolean(value);
                if (!v)
                    bad("true or false");
                else
                    (key == "current" ? p.current : p.requires_sha2) = *v;
            } else if (key == "minDhBits" || key == "maxDhBits" || key == "minRsaBits" ||
                       key == "maxRsaBits" || key == "minEcdsaBits") {
                auto& field = key == "minDhBits"    ? p.min_dh_bits
                              : key == "maxDhBits"  ? p.max_dh_bits
                              : key == "minRsaBits" ? p.min_rsa_bits
                              : key == "maxRsaBits" ? p.max_rsa_bits
                                                    : p.min_ecdsa_bits;
                if (std::optional<int> v; !bits(value, v))
                    bad("a bit count or -1");
                else
                    field = v;
            } else if (key == "service") {
                p.service = std::string(value);
            } else if (key == "ciphers" || key == "ciphersuites" || key == "warning" ||
                       key == "protos" || key == "tlsvers" || key == "curves" || key == "alpn") {
                // What testssl.sh hands `openssl s_client`; the hello bytes say it all.
            } else {
                warn(line_no, fmt::format("unknown key '{}' in client '{}'; ignored", key,
                                          p.name));
            }
        }
        if (end == text.size()) break;
    }
    finish();
    return data;
}

std::optional<core::Bytes> replay_client_hello(core::ByteView captured,
                                               const std::optional<std::string>& sni,
                                               const std::array<std::uint8_t, 32>& random) {
    const auto parse = parse_client_hello(captured);
    if (parse.kind != ClientHelloParse::Kind::ok || !parse.hello) return std::nullopt;
    const auto& h = *parse.hello;
    if (h.ssl2_format) return core::Bytes(captured.begin(), captured.end());

    Writer body;
    body.u16(h.legacy_version);
    body.bytes(random);
    body.prefixed(1, [&](Writer& w) { w.bytes(h.session_id); });
    body.prefixed(2, [&](Writer& w) {
        for (auto s : h.cipher_suites) w.u16(static_cast<std::uint16_t>(s));
    });
    body.prefixed(1, [&](Writer& w) {
        for (auto m : h.compression_methods) w.u8(m);
    });
    // A hello without extensions stays without the block (SSL 3.0 clients).
    const bool any_extension = !h.extensions.empty();
    if (any_extension) {
        body.prefixed(2, [&](Writer& w) {
            for (const auto& e : h.extensions) {
                if (e.type == kServerNameExtension) {
                    if (!sni) continue;
                    w.u16(kServerNameExtension);
                    w.prefixed(2, [&](Writer& x) {
                        x.prefixed(2, [&](Writer& y) {
                            y.u8(0);  // host_name
                            y.prefixed(2, [&](Writer& z) { z.text(*sni); });
                        });
                    });
                    continue;
                }
                w.u16(e.type);
                w.prefixed(2, [&](Writer& x) { x.bytes(e.data); });
            }
        });
    }
    Writer message;
    message.u8(kClientHelloType);
    message.prefixed(3, [&](Writer& w) { w.bytes(body.data()); });
    const auto record_version =
        core::version_from_wire(h.record_version).value_or(core::Version::tls1_0);
    return frame_handshake_records(message.data(), record_version);
}

}  // namespace tlsprobe::wire
