from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from summitry.accounts import views as account_views
from summitry.api import api
from summitry.meetings import views as meeting_views
from summitry.trips import editing
from summitry.trips import views as trip_views

urlpatterns = [
    path("", meeting_views.home, name="home"),
    path("engagements/new", trip_views.engagement_new, name="engagement_new"),
    path("engagements/<slug:slug>/room", meeting_views.room, name="room"),
    path("engagements/<slug:slug>/booth", meeting_views.booth, name="booth"),
    path("engagements/<slug:slug>/", trip_views.engagement_detail, name="engagement"),
    path("engagements/<slug:slug>/invitation.ics", trip_views.engagement_ics, name="engagement_ics"),
    path("engagements/<slug:slug>/reschedule", trip_views.engagement_reschedule, name="engagement_reschedule"),
    path("engagements/<slug:slug>/edit", editing.edit_details, name="engagement_edit"),
    path("engagements/<slug:slug>/participants", editing.add_participant, name="participant_add"),
    path("engagements/<slug:slug>/participants/<int:pk>", editing.edit_participant, name="participant_edit"),
    path("engagements/<slug:slug>/participants/<int:pk>/remove", editing.remove_participant,
         name="participant_remove"),
    path("engagements/<slug:slug>/segments", editing.add_segment, name="segment_add"),
    path("engagements/<slug:slug>/segments/<int:pk>/remove", editing.remove_segment, name="segment_remove"),
    path("engagements/<slug:slug>/cancel", editing.cancel, name="engagement_cancel"),
    path("engagements/<slug:slug>/reinstate", editing.reinstate, name="engagement_reinstate"),
    path("engagements/<slug:slug>/delete", editing.delete, name="engagement_delete"),
    path("engagements/<slug:slug>/guests/", include("summitry.trips.guest_urls")),
    path("directory/", include("summitry.trips.directory_urls")),
    path("trips/", trip_views.trip_list, name="trips"),
    path("trips/import", trip_views.plan_import, name="plan_import"),
    path("trips/import/confirm", trip_views.plan_import_confirm, name="plan_import_confirm"),
    path("trips/imports/<int:pk>/", trip_views.plan_change, name="plan_change"),
    path("trips/imports/<int:pk>/undo", trip_views.plan_change_undo, name="plan_change_undo"),
    path("trips/<slug:slug>/", trip_views.trip_detail, name="trip"),
    path("trips/<slug:slug>/stops", trip_views.stop_add, name="stop_add"),
    path("trips/<slug:slug>/edit", editing.edit_trip, name="trip_edit"),
    path("trips/<slug:slug>/stops/<int:order>", editing.edit_stop, name="stop_edit"),
    path("trips/<slug:slug>/stops/<int:order>/move", editing.move_stop, name="stop_move"),
    path("trips/<slug:slug>/stops/<int:order>/remove", editing.remove_stop, name="stop_remove"),
    path("trips/<slug:slug>/engagements", trip_views.engagement_add, name="engagement_add"),
    path("trips/<slug:slug>/export.json", trip_views.trip_export, name="trip_export"),
    path("calendar/", trip_views.week, name="week"),
    path("calendar/export.json", trip_views.week_export, name="week_export"),
    path("calendar/feed/<str:token>.ics", trip_views.calendar_feed, name="calendar_feed"),
    path("accounts/login/", account_views.SummitryLoginView.as_view(), name="login"),
    path("accounts/login/code", account_views.login_code, name="login_code"),
    path("accounts/security/", account_views.security, name="security"),
    path("accounts/security/key/options", account_views.key_options, name="key_options"),
    path("accounts/security/key", account_views.key_register, name="key_register"),
    path("accounts/login/key/options", account_views.login_key_options, name="login_key_options"),
    path("accounts/login/key", account_views.login_key, name="login_key"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invite/<str:secret>", account_views.invitation, name="invitation"),
    path("accounts/welcome/<str:uidb64>/<str:token>/", account_views.welcome, name="welcome"),
    path("internal/janus-events", meeting_views.janus_events, name="janus_events"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    # The admin signs in through Summitry's own sign-in (throttled, with the second factor), never its own form.
    path("admin/login/", RedirectView.as_view(url="/accounts/login/?next=/admin/", query_string=False)),
    path("admin/", admin.site.urls),
]
