from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from intake import mfa
from intake import views as intake_views
from intake.forms import SignInForm

urlpatterns = [
    path("", intake_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/mfa/", mfa.verify, name="mfa-verify"),
    path("accounts/mfa/setup/", mfa.setup, name="mfa-setup"),
    path("patients/", include("intake.urls")),
    path("", include("coverage.urls")),
    path("", include("documents.urls")),
    path("", include("appeals.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
]
