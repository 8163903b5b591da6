from django.urls import path  # noqa: F401  (views are added with places and the map)

app_name = "organisation"
urlpatterns: list = []
