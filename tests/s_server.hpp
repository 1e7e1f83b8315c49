// `openssl s_server` as a child process on 127.0.0.1 for the tests that need Debian's real
// OpenSSL server (early data, -Verify): port chosen by the kernel, stdin held open (a pipe
// nobody writes, so the server never sees EOF), killed and reaped on destruction.
#pragma once

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace tlsprobe::testing {

class OpenSslServer {
public:
    explicit OpenSslServer(std::vector<std::string> args) {
        int out[2];
        int in[2];
        if (pipe(out) != 0) return;
        if (pipe(in) != 0) {
            close(out[0]);
            close(out[1]);
            return;
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        posix_spawn_file_actions_addclose(&actions, in[1]);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        close(in[0]);
        fd_ = out[0];
        stdin_ = in[1];
        if (rc != 0) pid_ = -1;
    }
    ~OpenSslServer() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
        }
        if (fd_ >= 0) close(fd_);
        if (stdin_ >= 0) close(stdin_);
    }
    OpenSslServer(const OpenSslServer&) = delete;
    OpenSslServer& operator=(const OpenSslServer&) = delete;

    // Waits (poll, bounded by `timeout`) for the "ACCEPT 127.0.0.1:PORT" line; 0 when none.
    unsigned short wait_for_port(std::chrono::milliseconds timeout) {
        if (pid_ <= 0 || fd_ < 0) return 0;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string seen;
        while (seen.size() < 4096) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return 0;
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return 0;
            std::array<char, 512> buf{};
            const auto n = read(fd_, buf.data(), buf.size());
            if (n <= 0) return 0;
            seen.append(buf.data(), static_cast<std::size_t>(n));
            const auto at = seen.find("ACCEPT 127.0.0.1:");
            if (at == std::string::npos) continue;
            const auto end = seen.find('\n', at);
            if (end == std::string::npos) continue;
            return static_cast<unsigned short>(std::stoi(seen.substr(at + 17, end - (at + 17))));
        }
        return 0;
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    int stdin_ = -1;
};

inline bool have_openssl_binary() { return std::system("openssl version >/dev/null 2>&1") == 0; }

}  // namespace tlsprobe::testing
