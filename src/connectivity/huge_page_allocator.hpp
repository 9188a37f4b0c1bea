// An allocator that asks the kernel for transparent huge pages (2 MB) for
// large arrays. Spike delivery reads short runs of synapses scattered over a
// store of up to gigabytes: with 4 kB pages nearly every run is a TLB miss and
// a page walk; with 2 MB pages the page table entries of the whole store fit
// the TLB's second level. Machines that only grant huge pages on request
// (transparent_hugepage "madvise", the common default) need the madvise call.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace microcircuit {

template <typename T> class HugePageAllocator {
public:
    using value_type = T;

    HugePageAllocator() = default;
    template <typename U>
    HugePageAllocator(const HugePageAllocator<U>& /*other*/) {} // NOLINT: allocators convert

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge_page) {
            return static_cast<T*>(::operator new(bytes));
        }
        // Whole, aligned huge pages; the advice comes before the first touch.
        const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
        void* memory = std::aligned_alloc(huge_page, rounded);
        if (memory == nullptr) {
            throw std::bad_alloc();
        }
        // Only advice: without huge pages the memory still works, with 4 kB pages.
        static_cast<void>(madvise(memory, rounded, MADV_HUGEPAGE));
        return static_cast<T*>(memory);
    }

    void deallocate(T* memory, std::size_t n) noexcept {
        if (n * sizeof(T) < huge_page) {
            ::operator delete(memory);
        } else {
            std::free(memory); // NOLINT(cppcoreguidelines-no-malloc): from aligned_alloc
        }
    }

    template <typename U> bool operator==(const HugePageAllocator<U>& /*other*/) const {
        return true;
    }
    template <typename U> bool operator!=(const HugePageAllocator<U>& /*other*/) const {
        return false;
    }

private:
    static constexpr std::size_t huge_page = std::size_t{2} << 20U;
};

} // namespace microcircuit
