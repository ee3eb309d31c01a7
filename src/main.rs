fn main() {
    std::process::exit(dts_switch::cli::main());
}
