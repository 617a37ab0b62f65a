# Locust's side of the throughput comparison: the same login-then-fetch flow as
# scenarios/throughput.lua, with FastHttpUser (geventhttpclient), no wait time.
from locust import task
from locust.contrib.fasthttp import FastHttpUser


class Item(FastHttpUser):
    def on_start(self):
        token = self.client.post("/auth/login").json()["access_token"]
        self.auth = {"Authorization": "Bearer " + token}

    @task
    def item(self):
        self.client.get("/api/item", headers=self.auth)
