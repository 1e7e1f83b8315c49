// Ready-made ClientHello specs: what tlsprobe's raw engine sends for each version.
//
// Each preset is a complete ClientHelloSpec with a fresh random; callers change fields
// (cipher list, SNI) before encoding. Choices follow current browsers and OpenSSL 3, widened
// with the legacy groups and signature schemes old servers still need.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/version.hpp"
#include "wire/client_hello.hpp"

namespace tlsprobe::wire {

struct HelloOptions {
    std::optional<std::string> server_name;    // SNI; nullopt sends none
    std::vector<std::uint16_t> cipher_suites;  // empty: every registry suite usable in the version
    std::vector<std::string> alpn;             // empty: no ALPN
    RenegotiationSignal renegotiation = RenegotiationSignal::scsv;
    // TLS 1.3: the groups that get a key share (made here, a fresh key each); nullopt means
    // X25519 and P-256, empty means none (the server must name a group in a HelloRetryRequest).
    std::optional<std::vector<std::uint16_t>> key_share_groups;
};

// A hello pinned to one version (ssl3 .. tls1_3): max_version = v; for TLS 1.3,
// supported_versions = {1.3} with X25519 and P-256 key shares.
ClientHelloSpec preset_client_hello(core::Version v, const HelloOptions& options = {});

// "Offer everything": TLS 1.3 down to 1.0 in supported_versions, the TLS 1.3 suites first,
// then every TLS 1.0-1.2 suite.
ClientHelloSpec preset_offer_everything(const HelloOptions& options = {});

// Lists the presets use, exposed for tests and for the enumeration engine.
std::vector<std::uint16_t> default_supported_groups();
std::vector<std::uint16_t> default_signature_algorithms();

}  // namespace tlsprobe::wire
