"""`leaders teams-package`: the Teams app package (manifest + icons) for this deployment.

Building a package needs two settings and no secret, so it reads only MICROSOFT_APP_ID and
LEADERS_PUBLIC_URL (from the environment or .env) instead of the whole configuration: an operator can
make the package on a laptop that holds no MICROSOFT_APP_PASSWORD.
"""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.cli.main import fail


class PackageSettings(BaseSettings):
    """The two variables the package is filled from."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    microsoft_app_id: str = Field("", alias="MICROSOFT_APP_ID")
    public_url: str = Field("", alias="LEADERS_PUBLIC_URL")


@click.command("teams-package")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("leaders-connect-teams.zip"), show_default=True, help="Where to write the zip.")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Manifest template (default: the one installed with Leaders Connect).")
@click.option("--app-version", metavar="X.Y.Z",
              help="The app's version in the package (default: the template's, 1.0.0). Teams updates an "
                   "uploaded app only from a higher version: raise it for every new upload.")
def teams_package_command(output: Path, manifest_path: Path | None, app_version: str | None) -> None:
    """Write the upload-ready Teams app zip, ids and domains filled from MICROSOFT_APP_ID and
    LEADERS_PUBLIC_URL (no secret is needed). Upload it in Teams (Apps › Manage your apps › Upload an
    app) or the Developer Portal; for an update, raise --app-version."""
    from adapters.teams.manifest import MANIFEST_PATH, PackageError, build_package, load_template

    settings = PackageSettings()
    template_path = manifest_path or MANIFEST_PATH
    if not template_path.is_file():
        fail(f"manifest template not found at {template_path}; pass --manifest FILE", 2)
    try:
        template = load_template(template_path)
    except (OSError, ValueError) as error:
        fail(f"cannot read the manifest template {template_path}: {error}", 2)
    try:
        package = build_package(settings.microsoft_app_id, settings.public_url, template, app_version)
    except PackageError as error:
        fail(str(error), 2)
    try:
        output.write_bytes(package)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    version = app_version or template.get("version", "?")
    click.echo(f"Wrote {output} ({len(package):,} bytes, app version {version}): manifest.json, color.png, "
               "outline.png")


COMMANDS = (teams_package_command,)
