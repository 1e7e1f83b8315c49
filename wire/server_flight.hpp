// Decoder for the server's first flight: whatever bytes have arrived after a ClientHello.
//
// The engine feeds it each read as it arrives; the decoder keeps its reassembly state, so
// every record is decoded once however the bytes are cut (a stream of tiny records costs one
// step per record, not one pass over everything received per record):
//
//   read -> ServerFlightDecoder::feed(the new bytes) -> truncated?  -> read more (or give up on
//                                                    |                  EOF / timeout and keep
//                                                    |                  the partial evidence)
//                                                    -> anything else: done
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
// bytes that have fully arrived: more bytes cannot fix it. A peer that stalls with records
// that carry nothing is cut off as malformed too, as OpenSSL cuts it off: more than
// kMaxWarningAlerts warning alerts in a row, more than kMaxEmptyRecords empty records in a
// row, more than kMaxIgnoredUnits HelloRequests and heartbeat records, more than kMaxRecords
// records in one flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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

// Limits on records that carry no progress (see the top of this file).
inline constexpr std::size_t kMaxWarningAlerts = 5;   // OpenSSL: MAX_WARN_ALERT_COUNT
inline constexpr std::size_t kMaxEmptyRecords = 32;   // OpenSSL: MAX_EMPTY_RECORDS
inline constexpr std::size_t kMaxIgnoredUnits = 32;   // HelloRequests + heartbeat records
inline constexpr std::size_t kMaxRecords = 1u << 16;  // a 1 MiB chain in 16-byte records

// The incremental decoder. Never throws (except std::bad_alloc); a pure function of the bytes
// fed so far, however they were split between calls.
class ServerFlightDecoder {
public:
    ServerFlightDecoder();
    ~ServerFlightDecoder();
    ServerFlightDecoder(ServerFlightDecoder&&) noexcept;
    ServerFlightDecoder& operator=(ServerFlightDecoder&&) noexcept;

    // Decodes `more`, the bytes that follow those of the earlier calls. Once the flight is no
    // longer truncated, further bytes are ignored (they follow the decision point).
    const ServerFlight& feed(core::ByteView more);
    const ServerFlight& flight() const;
    std::size_t records() const;  // TLS records decoded so far

private:
    struct State;
    std::unique_ptr<State> state_;
};

// All of `received` at once: ServerFlightDecoder().feed(received).
ServerFlight decode_server_flight(core::ByteView received);

}  // namespace tlsprobe::wire
