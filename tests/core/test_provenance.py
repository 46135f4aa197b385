"""Code fingerprints come from the import closure, so no module list can drift."""

import shutil

from relu_lib import provenance

REPO_SCRIPTS = provenance.PACKAGE_DIR.parent / "scripts"


def test_paper_b_trainer_carries_paper_b_code_only():
    closure = provenance.import_closure("relu_lib.paper_b.trainer")
    assert {"relu_lib.paper_b.pgd", "relu_lib.paper_b.projections", "relu_lib.seeding", "relu_lib.io"} <= set(closure)
    assert not [m for m in closure if m.startswith("relu_lib.paper_a")]


def test_closure_follows_imports_inside_functions_and_parent_packages():
    closure = provenance.import_closure("relu_lib.paper_a.trainer")
    assert "relu_lib.provenance" in closure  # imported inside train_to_parquet only
    assert {"relu_lib", "relu_lib.paper_a"} <= set(closure)  # their __init__ runs first
    # `from relu_lib.paper_a import kernel` (inside a function) is a module import: both samplers' code
    assert {"relu_lib.paper_a.kernel", "relu_lib.paper_a.projected"} <= set(closure)


def test_a_script_covers_what_it_imports_lazily():
    closure = provenance.import_closure(REPO_SCRIPTS / "paper_b" / "check.py")
    assert "relu_lib.paper_b.checks" in closure and "relu_lib.cli" in closure


def test_a_new_module_is_covered_without_editing_any_list(tmp_path, monkeypatch):
    """Copy the package, add a module that the paper-B trainer imports: the fingerprint changes."""
    package = tmp_path / "relu_lib"
    shutil.copytree(provenance.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", package)
    provenance._imports.cache_clear()
    before = provenance.fingerprint("relu_lib.paper_b.trainer")
    (package / "paper_b" / "noise_model.py").write_text("SCALE = 1.0\n")
    trainer = package / "paper_b" / "trainer.py"
    trainer.write_text(
        trainer.read_text().replace(
            "import numpy as np\n", "import numpy as np\n\nfrom relu_lib.paper_b import noise_model\n", 1
        )
    )
    provenance._imports.cache_clear()
    assert "relu_lib.paper_b.noise_model" in provenance.import_closure("relu_lib.paper_b.trainer")
    assert provenance.fingerprint("relu_lib.paper_b.trainer") != before
    (package / "paper_b" / "noise_model.py").write_text("SCALE = 2.0\n")  # an edit of the new module alone
    provenance._imports.cache_clear()
    after = provenance.fingerprint("relu_lib.paper_b.trainer")
    provenance._imports.cache_clear()
    assert after != before
