#include "wire/client_hello_parser.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <stdexcept>

#include "core/text.hpp"
#include "wire/constants.hpp"
#include "wire/reader.hpp"
#include "wire/ssl2.hpp"

namespace tlsprobe::wire {

using core::Bytes;
using core::ByteView;
using core::display_name;
using core::Version;
using core::version_from_wire;
namespace {

std::vector<std::uint16_t> u16_list(Reader r) {
    std::vector<std::uint16_t> out;
    while (!r.empty()) out.push_back(r.u16());
    return out;
}

void decode_extension(ParsedClientHello& h, std::uint16_t type, ByteView data) {
    Reader r(data);
    switch (type) {
        case ext::server_name: {
            Reader list = r.vec16();
            while (!list.empty()) {
                const auto name_type = list.u8();
                const auto name = list.vec16().rest();
                if (name_type == 0 && !h.server_name)
                    h.server_name = std::string(name.begin(), name.end());
            }
            break;
        }
        case ext::supported_groups: h.supported_groups = u16_list(r.vec16()); break;
        case ext::signature_algorithms: h.signature_algorithms = u16_list(r.vec16()); break;
        case ext::supported_versions: h.supported_versions = u16_list(r.vec8()); break;
        case ext::key_share: {
            Reader shares = r.vec16();
            while (!shares.empty()) {
                h.key_share_groups.push_back(shares.u16());
                shares.vec16();
            }
            break;
        }
        case ext::alpn: {
            Reader list = r.vec16();
            while (!list.empty()) {
                const auto p = list.vec8().rest();
                h.alpn.emplace_back(p.begin(), p.end());
            }
            break;
        }
        case ext::renegotiation_info: h.renegotiation_info = true; break;
        case ext::padding: h.padding = data.size(); break;
        default: break;
    }
}

// ClientHello body (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2; SSL 3.0 hellos end after compression).
void parse_tls_body(ParsedClientHello& h, ByteView body) {
    Reader r(body);
    h.legacy_version = r.u16();
    r.skip(32);  // random
    const auto sid = r.vec8().rest();
    h.session_id.assign(sid.begin(), sid.end());
    Reader suites = r.vec16();
    if (suites.remaining() % 2) throw std::invalid_argument("odd cipher_suites length");
    while (!suites.empty()) h.cipher_suites.push_back(suites.u16());
    const auto methods = r.vec8().rest();  // legacy_compression_methods
    h.compression_methods.assign(methods.begin(), methods.end());
    if (r.empty()) return;
    h.extensions = parse_extension_list(r.vec16().rest());
    for (const auto& e : h.extensions) decode_extension(h, e.type, e.data);
    if (!r.empty()) throw std::invalid_argument("bytes after the extensions");
}

// SSL 2.0 CLIENT-HELLO (draft-hickman §2.6; RFC 5246 Appendix E.2), message after the header.
void parse_ssl2_message(ParsedClientHello& h, ByteView message) {
    Reader r(message);
    if (r.u8() != ssl2_msg_client_hello) throw std::invalid_argument("not an SSL 2.0 CLIENT-HELLO");
    h.legacy_version = r.u16();
    const auto specs_len = r.u16();
    const auto sid_len = r.u16();
    const auto challenge_len = r.u16();
    if (specs_len % 3) throw std::invalid_argument("CIPHER-SPECS length not a multiple of 3");
    Reader specs(r.bytes(specs_len));
    while (!specs.empty()) {
        const std::uint32_t code = (std::uint32_t{specs.u8()} << 16) | specs.u16();
        h.cipher_suites.push_back(code);
    }
    const auto sid = r.bytes(sid_len);
    h.session_id.assign(sid.begin(), sid.end());
    r.skip(challenge_len);
    h.message_length = message.size();
}

bool has_complete_record_header(ByteView b) { return b.size() >= 5; }

}  // namespace

std::optional<Version> ParsedClientHello::highest_version() const {
    std::optional<Version> best;
    for (auto v : supported_versions)
        if (auto known = version_from_wire(v); known && (!best || *known > *best)) best = known;
    return best ? best : version_from_wire(legacy_version);
}

bool ParsedClientHello::offers_suite(std::uint32_t code) const {
    return std::find(cipher_suites.begin(), cipher_suites.end(), code) != cipher_suites.end();
}

ClientHelloParse parse_client_hello(ByteView in) {
    ClientHelloParse out;
    if (in.empty()) return out;
    ParsedClientHello h;
    try {
        if (in[0] & 0x80) {  // SSL 2.0 two-byte header, no padding (§2.2)
            h.ssl2_format = true;
            if (in.size() < 2) return out;
            const std::size_t len = ((in[0] & 0x7f) << 8) | in[1];
            if (in.size() < 2 + len) return out;
            parse_ssl2_message(h, in.subspan(2, len));
        } else {
            if (in[0] != static_cast<std::uint8_t>(ContentType::handshake)) {
                out.kind = ClientHelloParse::Kind::malformed;
                out.error = fmt::format("first record is of type {}, not handshake", in[0]);
                return out;
            }
            // Reassemble the handshake message from as many records as it spans.
            Bytes message;
            std::size_t pos = 0;
            std::size_t want = 0;  // full message length once the header is in
            while (true) {
                if (!has_complete_record_header(in.subspan(pos))) return out;
                if (in[pos] != static_cast<std::uint8_t>(ContentType::handshake))
                    throw std::invalid_argument("a non-handshake record inside the ClientHello");
                if (pos == 0) h.record_version = static_cast<std::uint16_t>((in[1] << 8) | in[2]);
                const std::size_t len = (in[pos + 3] << 8) | in[pos + 4];
                if (len == 0 || len > max_plaintext)
                    throw std::invalid_argument("bad record length");
                if (in.size() < pos + 5 + len) return out;
                message.insert(message.end(), in.begin() + static_cast<std::ptrdiff_t>(pos + 5),
                               in.begin() + static_cast<std::ptrdiff_t>(pos + 5 + len));
                pos += 5 + len;
                if (message.size() >= 4 && want == 0) {
                    if (message[0] != static_cast<std::uint8_t>(HandshakeType::client_hello))
                        throw std::invalid_argument(
                            fmt::format("handshake message {} is not a ClientHello", message[0]));
                    want = 4 + ((std::size_t{message[1]} << 16) | (message[2] << 8) | message[3]);
                }
                if (want && message.size() >= want) break;
            }
            if (message.size() != want)
                throw std::invalid_argument("trailing bytes after the ClientHello");
            h.message_length = want;
            parse_tls_body(h, ByteView(message).subspan(4));
        }
    } catch (const Underflow& e) {
        out.kind = ClientHelloParse::Kind::malformed;
        out.error = std::string("inconsistent lengths: ") + e.what();
        return out;
    } catch (const std::invalid_argument& e) {
        out.kind = ClientHelloParse::Kind::malformed;
        out.error = e.what();
        return out;
    }
    h.renegotiation_info = h.renegotiation_info || h.offers_suite(empty_renegotiation_info_scsv);
    out.kind = ClientHelloParse::Kind::ok;
    out.hello = std::move(h);
    return out;
}

std::string describe_client_hello(const ParsedClientHello& h, std::size_t wire_bytes) {
    if (h.ssl2_format) {
        const auto v = version_from_wire(h.legacy_version);
        return fmt::format("SSLv2 CLIENT-HELLO {}, {} cipher specs, {} bytes",
                           v ? display_name(*v) : fmt::format("0x{:04x}", h.legacy_version),
                           h.cipher_suites.size(), wire_bytes);
    }
    const auto v = h.highest_version();
    std::size_t suites = 0;
    for (auto c : h.cipher_suites)
        suites += c != empty_renegotiation_info_scsv && c != fallback_scsv;
    return fmt::format("ClientHello {}, {} suites, SNI={}, {} bytes",
                       v ? display_name(*v) : fmt::format("0x{:04x}", h.legacy_version), suites,
                       // The SNI is the client's bytes: a trace line is printed and dumped
                       // as JSON, so it gets the same treatment as every network string.
                       h.server_name ? core::to_safe_utf8(*h.server_name) : std::string("none"),
                       wire_bytes);
}

}  // namespace tlsprobe::wire
