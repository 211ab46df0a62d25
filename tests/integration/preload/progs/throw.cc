// throw.cc - C++ exceptions thrown and caught across several frames, with
// destructors, rethrow and exception_ptr; prints a deterministic trace and
// which library provides the unwinder symbols.  Its output must be the same
// with and without the tracer.
#include <dlfcn.h>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

static int destroyed;

struct Guard {
    std::string name;
    explicit Guard(const char *n) : name(n) {}
    ~Guard() { destroyed++; }
};

struct Custom {
    int depth;
    std::vector<int> payload;
};

__attribute__((noinline)) static void deep(int depth, int kind)
{
    Guard g("deep");
    std::vector<char> buf(64 * (depth + 1));
    if (depth == 0) {
        switch (kind % 4) {
        case 0: throw std::runtime_error("runtime at the bottom");
        case 1: throw Custom{kind, std::vector<int>(100, kind)};
        case 2: throw std::string("a string of some length that needs the heap");
        default: throw kind;
        }
    }
    deep(depth - 1, kind);
}

__attribute__((noinline)) static void middle(int depth, int kind)
{
    Guard g("middle");
    try {
        deep(depth, kind);
    } catch (const std::runtime_error &e) {
        std::printf("middle caught runtime_error: %s; rethrowing\n", e.what());
        throw;
    }
}

static const char *lib_of(const char *sym)
{
    void *p = dlsym(RTLD_DEFAULT, sym);
    Dl_info info;
    if (!p || !dladdr(p, &info) || !info.dli_fname)
        return "(none)";
    const char *slash = std::strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

int main()
{
    std::printf("_Unwind_RaiseException from %s\n", lib_of("_Unwind_RaiseException"));
    std::printf("_Unwind_Backtrace from %s\n", lib_of("_Unwind_Backtrace"));
    std::printf("backtrace from %s\n", lib_of("backtrace"));
    long total = 0;
    for (int round = 0; round < 2000; round++) {
        int kind = round % 7, depth = round % 9;
        try {
            middle(depth, kind);
        } catch (const std::runtime_error &e) {
            total += 1;
            if (round < 7) std::printf("round %d: runtime_error %s\n", round, e.what());
        } catch (const Custom &c) {
            total += c.payload.size();
            if (round < 7) std::printf("round %d: Custom depth %d size %zu\n", round, c.depth, c.payload.size());
        } catch (const std::string &s) {
            total += (long)s.size();
            if (round < 7) std::printf("round %d: string %s\n", round, s.c_str());
        } catch (int k) {
            total += k;
            if (round < 7) std::printf("round %d: int %d\n", round, k);
        }
    }
    std::exception_ptr saved;
    try {
        deep(3, 0);
    } catch (...) {
        saved = std::current_exception();
    }
    try {
        std::rethrow_exception(saved);
    } catch (const std::exception &e) {
        std::printf("rethrown from exception_ptr: %s\n", e.what());
    }
    std::printf("total %ld destroyed %d\n", total, destroyed);
    return 0;
}
