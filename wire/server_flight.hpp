// Decoder for the server's first flight: whatever bytes have arrived after a ClientHello.
//
// Input is the byte stream received so far; the result says what it is, or that more bytes
// are needed. The engine calls it after every read:
//
//   read -> decode_server_flight(all bytes so far) -> truncated?  -> read more (or give up on
//                                                  |                  EOF / timeout and keep
//                                                  |                  the partial evidence)
//                                                  -> anything else: done
//
// When a flight is complete (the decision point):
//   TLS <= 1.2   ServerHello ... ServerHelloDone (Certificate, ServerKeyExchange in between)
//   TLS 1.3      ServerHello (everything after it is encrypted)
//   HRR          the HelloRetryRequest
//   SSL 2.0      the SERVER-HELLO or ERROR message
//   alert        the first fatal alert (or close_notify), whenever it comes; a warning alert
//                is kept in `alert` and decoding goes on (Apache's warning unrecognized_name)
// Every shorter prefix of a valid flight decodes as `truncated`, with what was already parsed
// (hello, certificates) filled in. `malformed` means lengths or values are inconsistent within
// bytes that have fully arrived: more bytes cannot fix it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "wire/server_messages.hpp"
#include "wire/service.hpp"
#include "wire/ssl2.hpp"

namespace tlsprobe::wire {

struct AlertRecord {
    std::uint8_t level = 0;                   // 1 warning, 2 fatal (RFC 5246 §7.2)
    std::uint8_t description = 0;             // tls/alert.hpp names it
    std::optional<std::uint16_t> ssl2_error;  // set instead for an SSL 2.0 MSG-ERROR
};

struct ServerFlight {
    enum class Kind {
        server_hello,         // a ServerHello (TLS or SSL 3.0), flight complete
        hello_retry_request,  // RFC 8446 §4.1.4
        ssl2_server_hello,    // SSL 2.0 SERVER-HELLO
        alert,                // a fatal alert / close_notify (or SSL 2.0 ERROR); `hello` may be set
        not_tls,              // the peer speaks something else; see `service`
        truncated,            // a proper prefix: read more
        malformed,            // TLS-looking but inconsistent; see `error`
    };
    Kind kind = Kind::truncated;
    std::uint16_t record_version = 0;  // legacy_record_version of the first record
    std::optional<ServerHello> hello;
    std::optional<Ssl2ServerHello> ssl2_hello;
    std::vector<core::Bytes> certificates;  // DER, in served order (TLS <= 1.2 or SSL 2.0)
    std::optional<KeyExchangeInfo> kx;
    bool certificate_request = false;  // CertificateRequest seen (TLS <= 1.2)
    bool hello_done = false;           // ServerHelloDone seen
    std::optional<AlertRecord> alert;  // the last alert seen (also a warning before a ServerHello)
    std::optional<ServiceGuess> service;        // only for not_tls
    std::vector<std::uint8_t> handshake_types;  // handshake messages in order, for traces
    std::size_t consumed = 0;                   // bytes up to the decision point (or parsed so far)
    std::string error;  // malformed: what was wrong; truncated: what is awaited
};

std::string_view to_string(ServerFlight::Kind k);

// Never throws (except std::bad_alloc); pure function of its input.
ServerFlight decode_server_flight(core::ByteView received);

}  // namespace tlsprobe::wire
