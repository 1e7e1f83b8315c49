#include "engine/connection_budget.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <stdexcept>

namespace tlsprobe::engine {

namespace asio = boost::asio;

// A queued acquire(): woken by its timer expiring, on its own executor. `granted` (under the
// budget's mutex) says the slot was handed over, so a wake-up and a cancellation that cross
// are told apart.
struct ConnectionBudget::Waiter {
    explicit Waiter(const asio::any_io_executor& executor)
        : timer(executor, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    bool granted = false;
};

ConnectionBudget::ConnectionBudget(std::size_t limit) : limit_(limit) {
    if (limit_ == 0) throw std::invalid_argument("a connection budget needs at least one slot");
}

ConnectionBudget::Permit& ConnectionBudget::Permit::operator=(Permit&& other) noexcept {
    if (this != &other) {
        if (budget_) budget_->release();
        budget_ = std::move(other.budget_);
    }
    return *this;
}

ConnectionBudget::Permit::~Permit() {
    if (budget_) budget_->release();
}

asio::awaitable<ConnectionBudget::Permit> ConnectionBudget::acquire() {
    auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (in_use_ < limit_) {
            ++in_use_;
            peak_ = std::max(peak_, in_use_);
            co_return Permit(shared_from_this());
        }
        waiter = std::make_shared<Waiter>(executor);
        waiters_.push_back(waiter);
    }
    // A hand-over expires the timer (posted to this executor), so it completes at once even
    // if it comes before the wait starts; a cancellation ends the wait with an error.
    auto [ec] = co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    {
        std::lock_guard lock(mutex_);
        if (waiter->granted) co_return Permit(shared_from_this());  // the slot came with it
        waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), waiter), waiters_.end());
    }
    throw boost::system::system_error(ec ? ec : asio::error::operation_aborted);
}

void ConnectionBudget::release() {
    std::shared_ptr<Waiter> next;
    {
        std::lock_guard lock(mutex_);
        if (waiters_.empty()) {
            --in_use_;
            return;
        }
        next = std::move(waiters_.front());  // the slot passes on: in_use_ stays
        waiters_.pop_front();
        next->granted = true;
    }
    asio::post(next->timer.get_executor(),
               [next] { next->timer.expires_at(asio::steady_timer::time_point::min()); });
}

std::size_t ConnectionBudget::in_use() const {
    std::lock_guard lock(mutex_);
    return in_use_;
}
std::size_t ConnectionBudget::peak() const {
    std::lock_guard lock(mutex_);
    return peak_;
}
std::size_t ConnectionBudget::waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
}

namespace {

class BudgetedEngines final : public Engines {
public:
    BudgetedEngines(std::shared_ptr<Engines> inner, std::shared_ptr<ConnectionBudget> budget)
        : inner_(std::move(inner)), budget_(std::move(budget)) {}

    asio::awaitable<Resolution> resolve(std::string host, std::uint16_t port,
                                        std::chrono::milliseconds timeout) override {
        co_return co_await inner_->resolve(std::move(host), port, timeout);
    }
    // Each operation: a slot, then the inner operation (named awaitables: GCC 12 and
    // temporaries in co_await, see openssl_handshake()).
    asio::awaitable<core::Observation> handshake(Endpoint peer, HandshakeSpec spec) override {
        auto slot = co_await budget_->acquire();
        auto op = inner_->handshake(peer, std::move(spec));
        co_return co_await std::move(op);
    }
    asio::awaitable<RawResult> raw_version(Endpoint peer, core::Version version,
                                           RawProbeOptions options) override {
        auto slot = co_await budget_->acquire();
        auto op = inner_->raw_version(peer, version, std::move(options));
        co_return co_await std::move(op);
    }
    asio::awaitable<RawResult> raw(Endpoint peer, RawHello hello,
                                   RawClientOptions options) override {
        auto slot = co_await budget_->acquire();
        auto op = inner_->raw(peer, std::move(hello), std::move(options));
        co_return co_await std::move(op);
    }
    asio::awaitable<HttpCheck> http(Endpoint peer, std::string host_header,
                                    std::chrono::milliseconds timeout) override {
        auto slot = co_await budget_->acquire();
        auto op = inner_->http(peer, std::move(host_header), timeout);
        co_return co_await std::move(op);
    }
    asio::awaitable<SessionResult> session(Endpoint peer, SessionSpec spec) override {
        auto slot = co_await budget_->acquire();
        auto op = inner_->session(peer, std::move(spec));
        co_return co_await std::move(op);
    }

    // A fetch follows its redirects one connection at a time: one slot.
    asio::awaitable<FetchResult> fetch(FetchRequest request) override {
        auto slot = co_await budget_->acquire();
        auto op = inner_->fetch(std::move(request));
        co_return co_await std::move(op);
    }

private:
    std::shared_ptr<Engines> inner_;
    std::shared_ptr<ConnectionBudget> budget_;
};

}  // namespace

std::shared_ptr<Engines> with_connection_budget(std::shared_ptr<Engines> inner,
                                                std::shared_ptr<ConnectionBudget> budget) {
    return std::make_shared<BudgetedEngines>(std::move(inner), std::move(budget));
}

std::size_t default_max_connections(std::size_t open_file_limit, std::size_t fallback) {
    constexpr std::size_t kReserve = 64;  // the process's own files: inputs, outputs, logs
    if (open_file_limit == 0) return fallback;
    return open_file_limit > kReserve ? open_file_limit - kReserve : 1;
}

}  // namespace tlsprobe::engine
