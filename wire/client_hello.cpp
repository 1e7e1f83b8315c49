#include "wire/client_hello.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "wire/constants.hpp"
#include "wire/writer.hpp"

namespace tlsprobe::wire {

using core::Bytes;
using core::ByteView;
using core::Version;
using core::wire_code;
namespace {

using Extension = std::pair<std::uint16_t, Bytes>;

template <typename Body>
Extension make_extension(std::uint16_t type, Body&& body) {
    Writer w;
    body(w);
    return {type, w.take()};
}

// server_name: ServerNameList with one host_name entry (RFC 6066 §3).
Extension server_name_extension(const std::string& host) {
    return make_extension(ext::server_name, [&](Writer& w) {
        w.prefixed(2, [&](Writer& list) {
            list.u8(0);  // NameType host_name
            list.prefixed(2, [&](Writer& name) { name.text(host); });
        });
    });
}

// Every extension the spec asks for, in the documented order, padding excluded.
std::vector<Extension> build_extensions(const ClientHelloSpec& spec) {
    std::vector<Extension> out;
    if (spec.renegotiation == RenegotiationSignal::extension) {
        // Initial handshake: renegotiated_connection is empty (RFC 5746 §3.4).
        out.push_back(make_extension(ext::renegotiation_info, [](Writer& w) { w.u8(0); }));
    }
    if (spec.server_name) out.push_back(server_name_extension(*spec.server_name));
    if (!spec.ec_point_formats.empty()) {
        out.push_back(make_extension(ext::ec_point_formats, [&](Writer& w) {
            w.prefixed(1, [&](Writer& l) { l.bytes(spec.ec_point_formats); });
        }));
    }
    if (!spec.supported_groups.empty()) {
        out.push_back(make_extension(ext::supported_groups, [&](Writer& w) {
            w.prefixed(2, [&](Writer& l) {
                for (auto g : spec.supported_groups) l.u16(g);
            });
        }));
    }
    if (spec.session_ticket) out.push_back({ext::session_ticket, spec.session_ticket_data});
    if (!spec.alpn.empty()) {
        // ProtocolNameList of non-empty opaque<1..255> names (RFC 7301 §3.1).
        out.push_back(make_extension(ext::alpn, [&](Writer& w) {
            w.prefixed(2, [&](Writer& l) {
                for (const auto& p : spec.alpn) l.prefixed(1, [&](Writer& n) { n.text(p); });
            });
        }));
    }
    if (spec.encrypt_then_mac) out.push_back({ext::encrypt_then_mac, {}});
    if (spec.extended_master_secret) out.push_back({ext::extended_master_secret, {}});
    if (spec.heartbeat)  // HeartbeatMode peer_allowed_to_send (RFC 6520 §2)
        out.push_back(make_extension(ext::heartbeat, [](Writer& w) { w.u8(1); }));
    if (!spec.signature_algorithms.empty()) {
        out.push_back(make_extension(ext::signature_algorithms, [&](Writer& w) {
            w.prefixed(2, [&](Writer& l) {
                for (auto s : spec.signature_algorithms) l.u16(s);
            });
        }));
    }
    if (!spec.supported_versions.empty()) {
        // ClientHello form: ProtocolVersion versions<2..254> (RFC 8446 §4.2.1).
        out.push_back(make_extension(ext::supported_versions, [&](Writer& w) {
            w.prefixed(1, [&](Writer& l) {
                for (auto v : spec.supported_versions) l.u16(wire_code(v));
            });
        }));
    }
    if (!spec.psk_key_exchange_modes.empty()) {
        out.push_back(make_extension(ext::psk_key_exchange_modes, [&](Writer& w) {
            w.prefixed(1, [&](Writer& l) { l.bytes(spec.psk_key_exchange_modes); });
        }));
    }
    const bool offers_tls13 =
        std::find(spec.supported_versions.begin(), spec.supported_versions.end(),
                  Version::tls1_3) != spec.supported_versions.end();
    if (!spec.key_shares.empty() || offers_tls13) {
        // KeyShareClientHello: KeyShareEntry client_shares<0..2^16-1> (RFC 8446 §4.2.8). A TLS 1.3
        // hello without the extension is aborted with missing_extension (§9.2); an empty list
        // asks the server to pick a group with a HelloRetryRequest.
        out.push_back(make_extension(ext::key_share, [&](Writer& w) {
            w.prefixed(2, [&](Writer& l) {
                for (const auto& k : spec.key_shares) {
                    l.u16(k.group);
                    l.prefixed(2, [&](Writer& key) { key.bytes(k.key_exchange); });
                }
            });
        }));
    }
    return out;
}

std::vector<std::uint16_t> suites_with_scsvs(const ClientHelloSpec& spec, bool ssl3) {
    std::vector<std::uint16_t> suites;
    for (auto s : spec.cipher_suites)
        if (s != empty_renegotiation_info_scsv && s != fallback_scsv) suites.push_back(s);
    // SSL 3.0 hellos carry no extensions, so they signal RFC 5746 support with the SCSV (§4.5).
    if (ssl3 || spec.renegotiation == RenegotiationSignal::scsv)
        suites.push_back(empty_renegotiation_info_scsv);
    if (spec.fallback_scsv) suites.push_back(fallback_scsv);  // RFC 7507 §4: after the real suites
    return suites;
}

// ClientHello body up to and excluding the extensions block (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2,
// RFC 6101 §5.6.1.2 - the same layout in every version).
void write_hello_prefix(Writer& w, const ClientHelloSpec& spec, bool ssl3) {
    if (spec.session_id.size() > 32)
        throw std::invalid_argument("ClientHello session_id longer than 32 bytes");
    const auto legacy = std::min(spec.max_version, Version::tls1_2);
    w.u16(wire_code(legacy));
    w.bytes(spec.random);
    w.prefixed(1, [&](Writer& s) { s.bytes(spec.session_id); });
    w.prefixed(2, [&](Writer& l) {
        for (auto s : suites_with_scsvs(spec, ssl3)) l.u16(s);
    });
    w.prefixed(1, [&](Writer& c) {  // compression_methods: null only, unless the spec says
        for (auto m : spec.compression_methods) c.u8(m);
    });
}

}  // namespace

std::string_view to_string(RenegotiationSignal r) {
    return r == RenegotiationSignal::scsv ? "scsv" : "extension";
}

Bytes encode_client_hello_message(const ClientHelloSpec& spec) {
    if (spec.max_version == Version::ssl2)
        throw std::invalid_argument("use encode_ssl2_client_hello for SSL 2.0");
    const bool ssl3 = spec.max_version == Version::ssl3;

    Writer body;
    write_hello_prefix(body, spec, ssl3);
    if (!ssl3) {
        auto extensions = build_extensions(spec);
        std::size_t ext_bytes = 0;
        for (const auto& [type, data] : extensions) ext_bytes += 4 + data.size();
        // Handshake header (4) + body so far + extensions length (2) + extensions.
        const std::size_t unpadded = 4 + body.size() + 2 + ext_bytes;
        if (spec.pad_to > 0 && unpadded < spec.pad_to) {
            // RFC 7685 §3: zero-filled extension_data; its own 4-byte header counts too.
            const auto fill = spec.pad_to - unpadded >= 4 ? spec.pad_to - unpadded - 4 : 0;
            extensions.push_back({ext::padding, Bytes(fill, 0)});
        }
        // No extensions at all: omit the block, as RFC 5246 §7.4.1.2 allows (and SSL 3.0-era
        // servers expect), rather than send an empty one.
        if (!extensions.empty()) {
            body.prefixed(2, [&](Writer& l) {
                for (const auto& e :
                     extensions) {  // not a structured binding: clang 14 cannot capture one
                    l.u16(e.first);
                    l.prefixed(2, [&](Writer& d) { d.bytes(e.second); });
                }
            });
        }
    }

    Writer msg;
    msg.u8(static_cast<std::uint8_t>(HandshakeType::client_hello));
    msg.prefixed(3, [&](Writer& m) { m.bytes(body.data()); });
    return msg.take();
}

Bytes frame_handshake_records(ByteView message, Version record_version) {
    Writer out;
    std::size_t at = 0;
    do {
        const auto n = std::min(max_plaintext, message.size() - at);
        out.u8(static_cast<std::uint8_t>(ContentType::handshake));
        out.u16(wire_code(record_version));
        out.prefixed(2, [&](Writer& r) { r.bytes(message.subspan(at, n)); });
        at += n;
    } while (at < message.size());
    return out.take();
}

Bytes encode_client_hello(const ClientHelloSpec& spec) {
    const auto message = encode_client_hello_message(spec);
    return frame_handshake_records(message, spec.record_version);
}

}  // namespace tlsprobe::wire
