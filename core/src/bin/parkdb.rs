//! The `parkdb` command; see [`parkdb::cli`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(parkdb::cli::main(std::env::args_os()))
}
