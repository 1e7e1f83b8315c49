// Client simulation data: the ClientHellos of real clients (browsers, Java, OpenSSL, mobile
// platforms) with what each client accepts, as the testssl.sh package ships them in
// /etc/testssl/client-simulation.txt (captured by SSL Labs and testssl.sh). Pure: text in,
// profiles out; the file is read at run time from the installed package, never copied here.
//
// The file is bash: one block per client, each line `key+=(value)` appending to a parallel
// array, a block starting with `names+=("...")`. This parser reads it per block instead of as
// parallel arrays, so a misspelt key in one block cannot shift the values of every later
// client. Malformed input never throws and never stops the parse: a line that is not
// `key+=(value)`, an unknown key, or a block whose required field (the name, the hello bytes,
// the protocol range) is missing or unreadable is skipped with a warning naming its line
// (ClientData::warnings); the other clients stay usable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/version.hpp"
#include "wire/client_hello_parser.hpp"

namespace tlsprobe::wire {

struct ClientProfile {
    std::string name;        // "Chrome 101 (Win 10)"
    std::string short_name;  // "chrome_101_win10"
    std::size_t line = 0;    // line of its names+= in the file (1-based)
    core::Bytes hello;       // the captured ClientHello record(s), as sent
    core::Version lowest = core::Version::tls1_0;   // lowest_protocol (0x0200 = SSL 2.0)
    core::Version highest = core::Version::tls1_2;  // highest_protocol
    bool sends_sni = true;   // sni+=("$SNI"); false: sni+=("") (the client sends no SNI)
    bool current = false;    // current+=(true): a client still in use
    bool requires_sha2 = false;  // refuses SHA-1 signed certificates
    // Minimum/maximum key sizes it accepts; nullopt = no limit (-1 in the file).
    std::optional<int> min_dh_bits, max_dh_bits, min_rsa_bits, max_rsa_bits, min_ecdsa_bits;
    std::string service;  // "HTTP,FTP", "ANY"
};

struct ClientDataWarning {
    std::size_t line = 0;
    std::string message;
};

struct ClientData {
    std::vector<ClientProfile> profiles;  // file order
    std::vector<ClientDataWarning> warnings;
};

// Never throws (except std::bad_alloc).
ClientData parse_client_data(std::string_view text);

// The profile's hello ready to send to one target: the captured bytes with a fresh random
// and the target's name in server_name (RFC 6066 §3), everything else as captured. A hello
// without server_name stays without one (that client sends no SNI); `sni` nullopt removes
// it (the target is an IP address). An SSL 2.0-format hello is returned unchanged. nullopt
// when the captured bytes do not parse as a ClientHello.
std::optional<core::Bytes> replay_client_hello(core::ByteView captured,
                                               const std::optional<std::string>& sni,
                                               const std::array<std::uint8_t, 32>& random);

}  // namespace tlsprobe::wire
