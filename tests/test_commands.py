"""The flask commands an IT person uses."""
from domain import accounts
from models import User


def test_create_staff_reads_the_password_from_stdin(runner, app):
    result = runner.invoke(args=["create-staff", "--username", "sanna", "--email", "sanna@example.fi",
                                 "--first-name", "Sanna", "--last-name", "Lehtonen", "--password-stdin"],
                           input="asiakaspalvelun pitkä salasana\n")
    assert result.exit_code == 0, result.output
    user = User.by_login("sanna")
    assert user.role == "staff"
    settings = {"LOGIN_MAX_FAILURES": 10, "LOGIN_MAX_FAILURES_PER_IP": 30, "LOGIN_WINDOW_MINUTES": 15}
    assert accounts.authenticate("sanna", "asiakaspalvelun pitkä salasana", ip="1.1.1.1", settings=settings)


def test_create_staff_refuses_a_weak_password(runner, app):
    result = runner.invoke(args=["create-staff", "--username", "sanna", "--email", "sanna@example.fi",
                                 "--first-name", "Sanna", "--last-name", "Lehtonen", "--password-stdin"],
                           input="lyhyt\n")
    assert result.exit_code != 0 and "password_too_short" in result.output
    assert User.by_login("sanna") is None


def test_db_version(runner):
    import migrations
    result = runner.invoke(args=["db", "version"])
    latest = migrations.latest_version()
    assert result.exit_code == 0 and f"applied {latest}, latest {latest}" in result.output
