// Small formatting helpers shared by the renderers.
#pragma once

#include <chrono>
#include <string>

#include "probe/result.hpp"

namespace tlsprobe::report {

// "2026-11-24T14:40:51Z"
std::string iso8601(std::chrono::system_clock::time_point t);
// "2026-11-24"
std::string date_only(std::chrono::system_clock::time_point t);
// Whole days from `now` to `t` (negative when t is in the past).
long days_between(std::chrono::system_clock::time_point now,
                  std::chrono::system_clock::time_point t);
// "RSA 2048", "EC 256 (prime256v1)", "Ed25519"
std::string key_description(const x509::CertificateInfo& c);
// A short phrase for a version result: "yes", "no", "not tested", "unknown".
std::string support_word(const probe::VersionResult& v);
// Why a version is not supported, in a few words: "alert protocol_version (70)", "RST after
// ClientHello".
using core::outcome_phrase;
std::string outcome_phrase(const probe::VersionResult& v);
// Breaks `text` at spaces into lines of at most `width` characters (longer words stay
// whole), the first prefixed with `first`, the others with `rest` (default: `first`), joined
// by '\n' (no trailing newline).
std::string wrap(std::string_view text, std::size_t width, std::string_view first,
                 std::string_view rest = {});
// The detected platform in one phrase: "nginx (OpenSSL), medium confidence"; "not identified"
// when nothing points anywhere.
std::string platform_phrase(const probe::Platform& p);
// Milliseconds with one decimal, from microseconds.
double to_ms(std::chrono::microseconds us);

}  // namespace tlsprobe::report
