from django.urls import path

from feltbok.oncall import views

app_name = "oncall"
urlpatterns = [
    path("", views.board, name="board"),
    path("board/", views.board_rows, name="board_rows"),
    path("new/", views.log_call, name="log_call"),
    path("mine/", views.mine, name="mine"),
    path("walk-ins/", views.walk_ins, name="walk_ins"),
    path("walk-ins/new/", views.walk_in_new, name="walk_in_new"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/hours/", views.hours_add, name="hours_add"),
    path("settings/hours/<uuid:code>/remove/", views.hours_remove, name="hours_remove"),
    path("settings/exceptions/", views.exception_add, name="exception_add"),
    path(
        "settings/exceptions/<uuid:code>/remove/",
        views.exception_remove,
        name="exception_remove",
    ),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/dispatch/", views.dispatch, name="dispatch"),
    path("<uuid:code>/follow-up/", views.follow_up, name="follow_up"),
    path("<uuid:code>/note/", views.note, name="note"),
    path("<uuid:code>/close/", views.close, name="close"),
    path("<uuid:code>/feedback/", views.feedback, name="feedback"),
    path("<uuid:code>/person/", views.link_person, name="link_person"),
]
