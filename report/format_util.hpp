// Small formatting helpers shared by the renderers.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

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
// Breaks `text` at spaces into lines of at most `width` columns, prefixes included, the
// first prefixed with `first`, the others with `rest` (default: `first`), joined by '\n' (no
// trailing newline); words that stay on one line keep the spaces between them. Never inside a
// word: a word wider than the room stays whole on its own
// line (the only overflow); when even the first word does not fit after `first`, `first`
// stands alone and the word starts the next line. Columns are counted as on a terminal
// (visible_width()).
std::string wrap(std::string_view text, std::size_t width, std::string_view first,
                 std::string_view rest = {});
// Columns `text` takes on a terminal: ANSI escape sequences take none, a UTF-8 code point one.
std::size_t visible_width(std::string_view text);
// `line` (no '\n') as it is when it fits `width`, else broken at spaces by wrap(), its
// continuation lines indented under its value: the column after a "label  " (two spaces) near
// the start ("  issuer     CN=..."), after a "- " bullet, or two past the line's indent.
std::string fit_line(std::string_view line, std::size_t width);
// fit_line() on every line of `text` (which keeps its trailing newline, if any).
std::string fit_text(std::string_view text, std::size_t width);

// One step of advice cut into prose and the commands the user is meant to copy, in order;
// the parts' texts joined give the step back. A command starts with a command word
// (openssl, nginx -T, netsh, reg add, certutil, Get-..., see command_words in
// format_util.cpp) at the start of the step or after a word; it ends where prose resumes:
// a three-space gap before a note, " (" opening a remark, ", ", " and " / " or " / " then "
// before another step, or a ')' it did not open. Quoted text ('...', "...") and <...>
// placeholders never end a command.
struct AdvicePart {
    std::string text;
    bool command = false;
};
std::vector<AdvicePart> split_advice_step(std::string_view step);
// A step laid out for a terminal `width` columns wide: on one line when it fits; else the
// prose wrapped and each command on a line of its own, whole (it may exceed `width`: the one
// overflow allowed besides single words). `first` prefixes the first line, `rest` the others.
std::string layout_advice_step(std::string_view step, std::size_t width, std::string_view first,
                               std::string_view rest);
// The detected platform in one phrase: "nginx (OpenSSL), medium confidence"; "not identified"
// when nothing points anywhere.
std::string platform_phrase(const probe::Platform& p);
// Milliseconds with one decimal, from microseconds.
double to_ms(std::chrono::microseconds us);

}  // namespace tlsprobe::report
