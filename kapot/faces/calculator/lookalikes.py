"""Clients like a given one, or like a segment: cosine similarity of the clients' profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kapot.errors import KapotError, nearest
from kapot.i18n import tr

if TYPE_CHECKING:
    from kapot.server.access import Scope

__all__ = ["Lookalikes"]


class Lookalikes:
    """Clients like a given one, or like a segment: cosine similarity of the clients' profiles."""

    # ------------------------------------------------------------------ lookalikes
    def _profile_matrix(self) -> np.ndarray:
        """Unit-length rows describing each client: what it buys (categories, how regularly),
        how big it is, its industry and size tier. Prospects have only the latter two."""
        if getattr(self, "_profiles_", None) is None:
            c = self.clients
            basket = np.hstack([self.scores["has_bought"], self.scores["item_months_12m"] / 12.0])
            size = np.log1p(c["revenue_12m"].fillna(0).clip(lower=0).to_numpy(dtype=float))
            size = (size - size.mean()) / (size.std() or 1.0)
            industry = pd.get_dummies(c["industry"].fillna("?")).to_numpy(dtype=float)
            tier = pd.get_dummies(c["size_tier"].fillna("?")).to_numpy(dtype=float) * 0.5
            x = np.hstack([basket, size[:, None] * 0.5, industry, tier])
            self._profiles_ = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return self._profiles_

    def _lookalike_frame(self, sim: np.ndarray, exclude: np.ndarray, limit: int) -> pd.DataFrame:
        sim = np.where(exclude, -np.inf, sim)
        top = np.argsort(-sim, kind="stable")[:limit]
        top = top[np.isfinite(sim[top])]
        out = self.clients.iloc[top][
            [
                "client_id",
                "name",
                "region",
                "industry",
                "size_tier",
                "rfm_segment",
                "is_prospect",
                "manager",
                "phone",
            ]
        ].copy()
        out.insert(0, "rank", np.arange(1, len(top) + 1))
        out["similarity"] = sim[top]
        return out.rename(columns={"rfm_segment": "segment"}).reset_index(drop=True)

    def similar(
        self, client_id: str, *, limit: int = 20, scope: Scope | None = None
    ) -> pd.DataFrame:
        """Clients most like ``client_id`` (cosine similarity of their profiles), across all
        regions, prospects included.

        Parameters
        ----------
        client_id : str
            The client to match.
        limit : int, default 20
            How many clients at most.
        scope : kapot.server.access.Scope, optional
            Only the clients that account may see (``client_id`` among them); None: all.

        Returns
        -------
        pandas.DataFrame
            Most similar first, ``client_id`` itself left out: columns rank, client_id, name,
            region, industry, size_tier, segment, is_prospect, manager, phone, similarity
            (cosine, -1 to 1).

        Raises
        ------
        KapotError
            for a client that does not exist or the scope may not see (the same message).
        """
        ids = self.clients["client_id"].to_numpy()
        hit = self._check_visible(client_id, scope)
        x = self._profile_matrix()
        sim = x @ x[hit[0]]
        return self._lookalike_frame(sim, (ids == client_id) | ~self.visible(scope), limit)

    def similar_to_segment(
        self, segment: str, *, limit: int = 50, scope: Scope | None = None
    ) -> pd.DataFrame:
        """ "More like my best clients": clients outside a segment closest to its average
        profile.

        Parameters
        ----------
        segment : str
            An RFM segment, an ABC class or a cluster code.
        limit : int, default 50
            How many clients at most.
        scope : kapot.server.access.Scope, optional
            Only the clients that account may see (members and matches); None: all.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`similar`, similarity to the segment's average profile.

        Raises
        ------
        KapotError
            for an unknown segment (naming the nearest known ones) or one without members in
            the scope.
        """
        c = self.clients
        seen = self.visible(scope)
        members = (
            c["rfm_segment"].eq(segment) | c["abc"].eq(segment) | c["cluster_code"].eq(segment)
        ).to_numpy() & seen
        if not members.any():
            known = self.known_values()["segment"]
            if segment not in known:
                raise KapotError(
                    tr("filters.unknown_segment", name=segment, near=nearest(segment, known))
                )
            raise KapotError(tr("calculator.unknown_segment", segment=segment))
        x = self._profile_matrix()
        centre = x[members].mean(axis=0)
        sim = x @ (centre / max(np.linalg.norm(centre), 1e-12))
        return self._lookalike_frame(sim, members | ~seen, limit)
