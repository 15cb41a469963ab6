"""`leaders teams-package`: the Teams app package (manifest + icons) for this deployment."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli.main import fail, settings_or_exit


@click.command("teams-package")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("leaders-connect-teams.zip"), show_default=True, help="Where to write the zip.")
@click.option("--manifest", "manifest_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Manifest template (default: manifest.json of this checkout).")
def teams_package_command(output: Path, manifest_path: Path | None) -> None:
    """Write the upload-ready Teams app zip, ids and domains filled from MICROSOFT_APP_ID and
    LEADERS_PUBLIC_URL. Upload it in Teams (Apps › Manage your apps › Upload an app) or the Developer
    Portal."""
    from adapters.teams.manifest import MANIFEST_PATH, PackageError, build_package, load_template

    settings = settings_or_exit()
    template_path = manifest_path or MANIFEST_PATH
    if not template_path.exists():
        fail(f"manifest template not found at {template_path}; pass --manifest")
    try:
        package = build_package(settings.microsoft_app_id, settings.public_url, load_template(template_path))
    except PackageError as error:
        fail(str(error), 2)
    try:
        output.write_bytes(package)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    click.echo(f"Wrote {output} ({len(package):,} bytes): manifest.json, color.png, outline.png")


COMMANDS = (teams_package_command,)
