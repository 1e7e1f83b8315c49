// Certificate Transparency test material: a syntactically valid SignedCertificateTimestampList
// (RFC 6962 §3.3) from made-up logs, for a lab certificate's SCT extension
// (UrlLeafSpec::sct_list) or a server's signed_certificate_timestamp extension
// (TlsServerConfig::sct_list). The signatures are filler: no log signed anything.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace tlsprobe::lab {

using LogId = std::array<std::uint8_t, 32>;

// A log id made of one repeated byte (0x11...11), easy to recognise in a report.
LogId made_up_log_id(std::uint8_t fill);

// The TLS encoding: a 2-byte length, then per SCT a 2-byte length and a v1 SCT (version 0,
// the log id, `timestamp_ms`, no extensions, an ECDSA/SHA-256 "signature" of filler bytes).
core::Bytes make_sct_list(const std::vector<LogId>& logs, std::uint64_t timestamp_ms);

}  // namespace tlsprobe::lab
