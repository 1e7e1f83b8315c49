// Pieces every subcommand of the command line shares (tlsprobe::cli, the composition root).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "probe/probe_target.hpp"
#include "probe/target.hpp"
#include "x509/trust_store.hpp"

namespace tlsprobe::cli {

// Bad input a person typed: printed as "tlsprobe: <what>", exit code 2.
class UsageError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Writes via FILE.tmp and a rename, so an interrupted run never leaves half a report.
// Throws UsageError naming the file when it cannot be written.
void write_file(const std::string& path, const std::string& content);

// The trust store from --ca-file/--ca-path, else the system store. Throws UsageError.
std::shared_ptr<const x509::TrustStore> load_trust(const std::string& ca_file, const std::string& ca_path);

// Colour on standard output: not with --no-color, not when writing to a file (`output` set),
// not when NO_COLOR is set (https://no-color.org), and only on a terminal.
bool want_color(bool no_color, const std::string& output = {});

// A target from the command line: TARGET parsed, then --sni / --no-sni / --connect-to
// applied. Throws UsageError naming the bad value.
probe::Target make_target(std::string_view text, const std::string& sni, bool no_sni, const std::string& connect_to);

// Probes one target and judges it (probe::probe_target, then judge::assess).
probe::TargetResult probe_and_judge(const probe::Target& target, const probe::ProbeOptions& options);
boost::asio::awaitable<probe::TargetResult> probe_and_judge_async(probe::Target target, probe::ProbeOptions options);

}  // namespace tlsprobe::cli
