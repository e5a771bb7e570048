use std::process::ExitCode;

/// mimalloc rather than glibc malloc: cheaper per-request allocations on the
/// token hot path, and less fragmentation under load (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    latchkey::cli::main()
}
