from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from summitry.api import api
from summitry.meetings import views as meeting_views

urlpatterns = [
    path("", meeting_views.home, name="home"),
    path("engagements/<slug:slug>/room", meeting_views.room, name="room"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
