// Client simulation and platform trust stores on the command line: --clients, --client-data,
// --trust-store-dir (probe, check; scan with --full). The data and the stores come from the
// testssl.sh package at run time, found by a search path; absent data is a note in the
// report ("client simulation skipped: ..."), never an error.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_common.hpp"
#include "probe/probe_target.hpp"
#include "wire/client_simulation.hpp"

namespace tlsprobe::cli {

struct ClientArgs {
    std::optional<std::string> clients;  // --clients current|all|none|NAME,...; unset = default
    std::string client_data;             // --client-data FILE
    std::string trust_store_dir;         // --trust-store-dir DIR
};

// The search path for the client data: --client-data, $TLSPROBE_CLIENT_DATA, then the
// testssl.sh package's locations.
inline constexpr std::string_view kClientDataEnv = "TLSPROBE_CLIENT_DATA";
inline constexpr std::string_view kTrustStoreDirEnv = "TLSPROBE_TRUST_STORE_DIR";
std::vector<std::filesystem::path> client_data_search_path(const std::string& option);

void add_client_options(CLI::App& command, ClientArgs& args);

// Selects the profiles `selection` names ("current", "all", or comma-separated client names
// or short names, matched case-insensitively). Throws UsageError naming an unknown client.
std::vector<wire::ClientProfile> select_clients(const std::vector<wire::ClientProfile>& all,
                                                std::string_view selection);

// Fills options.client_profiles / client_data_note and options.platform_stores; `selection`
// "none" removes the clients check from options.checks. `default_selection` applies when
// --clients is not given. A --client-data file that does not exist is a UsageError; a
// missing package is a note.
void apply_client_options(probe::ProbeOptions& options, const ClientArgs& args,
                          std::string_view default_selection);

}  // namespace tlsprobe::cli
