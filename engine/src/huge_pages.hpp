#pragma once
/// An allocator for the per-phone arrays of a fleet run, which the engine
/// reads at random, one phone per event: blocks of 2 MB and more are asked
/// to be backed by transparent huge pages, so that a million phones' state
/// takes a few TLB entries instead of thousands (a page walk on nearly
/// every event otherwise). Smaller blocks, and systems without the advice,
/// get ordinary memory; either way the contents are the same.

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace itlfleet::engine {

template <class T>
class huge_page_allocator {
 public:
  using value_type = T;

  huge_page_allocator() = default;
  template <class U>
  huge_page_allocator(const huge_page_allocator<U>&) {}

  T* allocate(std::size_t n) {
    if (n > max_size()) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < huge_page) return static_cast<T*>(::operator new(bytes));
    // Aligned to a huge page; the advice covers the whole huge pages only,
    // so that the tail (under 2 MB) is not rounded up to one in the RSS.
    void* p = nullptr;
    if (::posix_memalign(&p, huge_page, bytes) != 0) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(p, bytes / huge_page * huge_page, MADV_HUGEPAGE);  // advice only: ignored if refused
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < huge_page)
      ::operator delete(p);
    else
      std::free(p);
  }
  static constexpr std::size_t max_size() {
    return static_cast<std::size_t>(-1) / sizeof(T);
  }

  template <class U>
  bool operator==(const huge_page_allocator<U>&) const {
    return true;
  }

 private:
  static constexpr std::size_t huge_page = std::size_t{2} << 20;
};

}  // namespace itlfleet::engine
