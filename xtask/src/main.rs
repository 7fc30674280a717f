//! `cargo xtask <command>`: see `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  regen            validate spec/fitbit-web-api.yaml and rewrite the generated code
  regen --check    fail if the generated code is stale, naming the files with a unified diff
  coverage         operations per tag, untyped responses, operations without fixtures,
                   and where the fixtures come from
  surface          print the public-surface listing that the snapshot test guards
  check-spec FILE  validate another spec file and run the generator on it (writes nothing)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = match xtask::project_root() {
        Ok(root) => root,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.as_slice() {
        ["regen"] => xtask::regen(&root).map(|changed| {
            if changed.is_empty() {
                println!("generated code is up to date");
            }
            for path in changed {
                println!("wrote {}", path.display());
            }
        }),
        ["regen", "--check"] => xtask::check(&root).map(|()| println!("generated code is up to date")),
        ["coverage"] => load(&root).and_then(|spec| {
            print!("{}", xtask::coverage::report(&xtask::coverage::compute(&spec, &root)));
            let provenance = xtask::provenance::load(&root)?;
            print!("{}", xtask::coverage::provenance_report(&provenance));
            Ok(())
        }),
        ["check-spec", file] => xtask::spec::Spec::load(std::path::Path::new(file)).and_then(|spec| {
            xtask::validate::validate(&spec).map_err(xtask::Error::Invalid)?;
            let files = xtask::codegen::render_all(&spec)?;
            println!(
                "{file}: valid; {} operations; generator produced {} lines",
                spec.operations().len(),
                files.iter().map(|f| f.contents.lines().count()).sum::<usize>()
            );
            Ok(())
        }),
        ["surface"] => load(&root).map(|spec| print!("{}", xtask::surface::render(&spec))),
        ["help"] | ["--help"] | ["-h"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn load(root: &std::path::Path) -> Result<xtask::spec::Spec, xtask::Error> {
    let spec = xtask::spec::Spec::load(&root.join(xtask::spec::SPEC_PATH))?;
    xtask::validate::validate(&spec).map_err(xtask::Error::Invalid)?;
    Ok(spec)
}
