//! What the process gives back to the system (issue 7: resident memory after a full sync).
//! A sync parses large vendor replies on several threads; glibc keeps what they freed in
//! per-thread arenas, and raises its mmap threshold after each large free, so that later
//! large buffers come from the arenas too. Without these, the app stays as large as its
//! biggest sync ever was. Linux with glibc only; elsewhere these do nothing.

/// Settings of the allocator, for a long-running process (the app), set once at its start:
/// at most two arenas (a desktop app's few threads do not need one each; every arena keeps
/// its own free memory), and buffers from 256 KiB up (vendor replies, list texts) always
/// mapped on their own, so freeing one gives it back at once.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt changes allocator parameters only; called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// Returns the free heap memory of every arena to the system (after a sync).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no live memory.
    unsafe {
        libc::malloc_trim(0);
    }
}
