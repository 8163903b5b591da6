from django.urls import path

from feltbok.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.open_list, name="list"),
    path("new/", views.create, name="create"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/assess/", views.assess, name="assess"),
    path("<uuid:code>/decide/", views.decide, name="decide"),
    path("<uuid:code>/approve/", views.approve, name="approve"),
    path("<uuid:code>/sent/", views.mark_sent, name="sent"),
    path("<uuid:code>/follow-up/", views.follow_up, name="follow_up"),
    path("<uuid:code>/correct/", views.correct, name="correct"),
]
