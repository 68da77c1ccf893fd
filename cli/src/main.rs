//! The `parkdb` command; see [`parkdb_cli::main`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(parkdb_cli::main(std::env::args_os()))
}
