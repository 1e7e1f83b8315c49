#include "wire/ssl2.hpp"

#include <stdexcept>

#include "core/version.hpp"
#include "wire/cipher_suites.hpp"
#include "wire/key_share.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace tlsprobe::wire {

using core::Bytes;
using core::ByteView;
using core::Version;

Bytes encode_ssl2_client_hello(const Ssl2ClientHelloSpec& spec) {
    if (spec.challenge.size() < 16 || spec.challenge.size() > 32)
        throw std::invalid_argument("SSL 2.0 CHALLENGE must be 16 to 32 bytes");
    if (!spec.session_id.empty() && spec.session_id.size() != 16)
        throw std::invalid_argument("SSL 2.0 SESSION-ID must be empty or 16 bytes");
    // MSG-CLIENT-HELLO: type, version, three lengths, then the three data fields (§2.6).
    Writer msg;
    msg.u8(ssl2_msg_client_hello);
    msg.u16(spec.version);
    msg.u16(static_cast<std::uint16_t>(spec.cipher_specs.size() * 3));
    msg.u16(static_cast<std::uint16_t>(spec.session_id.size()));
    msg.u16(static_cast<std::uint16_t>(spec.challenge.size()));
    for (auto c : spec.cipher_specs) msg.u24(c);
    msg.bytes(spec.session_id);
    msg.bytes(spec.challenge);
    if (msg.size() > 0x7FFF)
        throw std::invalid_argument("SSL 2.0 CLIENT-HELLO too long for a 2-byte header");

    // 2-byte record header: high bit set, 15-bit length, no padding (§2.2).
    Writer out;
    out.u16(static_cast<std::uint16_t>(0x8000 | msg.size()));
    out.bytes(msg.data());
    return out.take();
}

Ssl2ClientHelloSpec preset_ssl2_client_hello() {
    Ssl2ClientHelloSpec spec;
    spec.cipher_specs = cipher_suites_for(Version::ssl2);
    spec.challenge = random_bytes(16);
    return spec;
}

Ssl2ServerHello parse_ssl2_server_hello(ByteView message) {
    Reader r(message);
    if (r.u8() != ssl2_msg_server_hello) throw std::invalid_argument("not an SSL 2.0 SERVER-HELLO");
    Ssl2ServerHello hello;
    hello.session_id_hit = r.u8() != 0;
    hello.certificate_type = r.u8();
    hello.version = r.u16();
    const auto cert_len = r.u16();
    const auto specs_len = r.u16();
    const auto conn_len = r.u16();
    if (specs_len % 3 != 0)
        throw std::invalid_argument("SSL 2.0 CIPHER-SPECS length not a multiple of 3");
    const auto cert = r.bytes(cert_len);
    hello.certificate.assign(cert.begin(), cert.end());
    Reader specs(r.bytes(specs_len));
    while (!specs.empty()) hello.cipher_specs.push_back(specs.u24());
    const auto conn = r.bytes(conn_len);
    hello.connection_id.assign(conn.begin(), conn.end());
    // CONNECTION-ID is 16..32 bytes (§2.7); trailing bytes would mean the lengths lie.
    if (!r.empty()) throw std::invalid_argument("bytes after the SSL 2.0 SERVER-HELLO fields");
    return hello;
}

std::string_view ssl2_error_name(std::uint16_t code) {
    switch (code) {
        case 0x0001: return "NO-CIPHER-ERROR";
        case 0x0002: return "NO-CERTIFICATE-ERROR";
        case 0x0004: return "BAD-CERTIFICATE-ERROR";
        case 0x0006: return "UNSUPPORTED-CERTIFICATE-TYPE-ERROR";
        default: return "unknown";
    }
}

}  // namespace tlsprobe::wire
