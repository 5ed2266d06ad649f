"""teenygrad.optim.swa_utils beside torch.optim.swa_utils: AveragedModel (SWA mean, EMA, custom avg_fn /
multi_avg_fn, use_buffers) after several updates of a Linear + BatchNorm1d model, its state_dict and forward/backward,
SWALR's learning rates, update_bn's running statistics, the argument checks; and ReduceLROnPlateau's mode_worse."""
import numpy as np
import pytest
import torch
import teenygrad as tg
from teenygrad.optim import swa_utils as gswa
from torch.optim import swa_utils as tswa

RTOL, ATOL = 1e-6, 1e-7   # float32 tensors: the same formulas, up to a rounding of lerp
LR_TOL = 1e-12            # learning rates: Python floats on both sides


def _models(seed=0):
    """The same Linear + BatchNorm1d + Linear model in torch and in teenygrad (teenygrad's loaded from torch's)."""
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    gm = tg.nn.Sequential(tg.nn.Linear(4, 5), tg.nn.BatchNorm1d(5), tg.nn.ReLU(), tg.nn.Linear(5, 3))
    gm.load_state_dict({k: tg.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return tm, gm


def _train_step(tm, gm, rng):
    """Move both models the same way: a train-mode forward (BN buffers move) and a random nudge of every weight."""
    x = rng.standard_normal((6, 4)).astype(np.float32)
    tm.train()
    gm.train()
    with torch.no_grad():
        tm(torch.from_numpy(x))
        for p in tm.parameters():
            p.add_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32)) * 0.1)
    with tg.no_grad():
        gm(tg.tensor(x))
        for gp, tp in zip(gm.parameters(), tm.parameters()):
            gp.copy_(tg.tensor(tp.detach().numpy()))


def _assert_state_equal(tsd, gsd):
    assert list(gsd.keys()) == list(tsd.keys())
    for k in tsd:
        want, got = tsd[k].detach().numpy(), gsd[k].detach().numpy()
        assert got.dtype == want.dtype, k
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=k)


AVERAGERS = {
    "swa": lambda S: {},
    "swa_avg_fn": lambda S: {"avg_fn": S.get_swa_avg_fn()},
    "swa_multi_avg_fn": lambda S: {"multi_avg_fn": S.get_swa_multi_avg_fn()},
    "ema_avg_fn": lambda S: {"avg_fn": S.get_ema_avg_fn(0.8)},
    "ema_multi_avg_fn": lambda S: {"multi_avg_fn": S.get_ema_multi_avg_fn(0.7)},
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("avg", list(AVERAGERS))
def test_averaged_model(avg, use_buffers):
    tm, gm = _models()
    if avg == "swa_multi_avg_fn" and use_buffers:
        pytest.skip("torch raises for num_batches_tracked: see test_swa_multi_avg_fn_integer_buffers")
    tavg = tswa.AveragedModel(tm, use_buffers=use_buffers, **AVERAGERS[avg](tswa))
    gavg = gswa.AveragedModel(gm, use_buffers=use_buffers, **AVERAGERS[avg](gswa))
    _assert_state_equal(tavg.state_dict(), gavg.state_dict())     # before any update: a copy, n_averaged 0
    rng = np.random.default_rng(1)
    for _ in range(5):
        _train_step(tm, gm, rng)
        tavg.update_parameters(tm)
        gavg.update_parameters(gm)
        _assert_state_equal(tavg.state_dict(), gavg.state_dict())
    assert int(gavg.n_averaged) == int(tavg.n_averaged) == 5 and gavg.n_averaged.dtype == tg.int64
    # the average is a model of its own: training the source model afterwards leaves it alone
    assert gavg.module[0].weight is not gm[0].weight
    np.testing.assert_allclose(gavg.module[0].weight.detach().numpy(), tavg.module[0].weight.detach().numpy(),
                               rtol=RTOL, atol=ATOL)


def test_averaged_model_forward_backward():
    tm, gm = _models(2)
    tavg, gavg = tswa.AveragedModel(tm), gswa.AveragedModel(gm)
    rng = np.random.default_rng(3)
    for _ in range(3):
        _train_step(tm, gm, rng)
        tavg.update_parameters(tm)
        gavg.update_parameters(gm)
    x = rng.standard_normal((7, 4)).astype(np.float32)
    for train in (True, False):
        tavg.train(train)
        gavg.train(train)
        ty, gy = tavg(torch.from_numpy(x)), gavg(tg.tensor(x))
        np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        tavg.zero_grad()
        gavg.zero_grad()
        (ty ** 2).sum().backward()
        (gy ** 2).sum().backward()
        for (name, tp), gp in zip(tavg.named_parameters(), gavg.parameters()):
            np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)


def test_averaged_model_state_dict_round_trip():
    tm, gm = _models(4)
    tavg, gavg = tswa.AveragedModel(tm), gswa.AveragedModel(gm)
    rng = np.random.default_rng(5)
    for _ in range(3):
        _train_step(tm, gm, rng)
        tavg.update_parameters(tm)
        gavg.update_parameters(gm)
    sd = gavg.state_dict()
    assert list(sd) == list(tavg.state_dict()) and list(sd)[0] == "n_averaged"
    fresh = gswa.AveragedModel(_models(6)[1])
    fresh.load_state_dict(sd)
    _assert_state_equal(tavg.state_dict(), fresh.state_dict())
    # a state dict saved by torch loads too, and the next update continues the same running mean
    fresh = gswa.AveragedModel(_models(6)[1])
    fresh.load_state_dict({k: tg.tensor(v.numpy()) for k, v in tavg.state_dict().items()})
    _train_step(tm, gm, rng)
    tavg.update_parameters(tm)
    fresh.update_parameters(gm)
    _assert_state_equal(tavg.state_dict(), fresh.state_dict())


def test_averaged_model_bad_arguments():
    gm = _models()[1]
    for lib, S, m in ((torch, tswa, _models()[0]), (tg, gswa, gm)):
        with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
            S.AveragedModel(m, avg_fn=S.get_swa_avg_fn(), multi_avg_fn=S.get_swa_multi_avg_fn())
        for make in (S.get_ema_avg_fn, S.get_ema_multi_avg_fn):
            for decay in (-0.1, 1.5):
                with pytest.raises(ValueError, match=f"Invalid decay value {decay}"):
                    make(decay)


def test_swa_multi_avg_fn_integer_buffers():
    """torch's get_swa_multi_avg_fn fails on integer tensors (num_batches_tracked under use_buffers): so does ours."""
    for S, m in zip((tswa, gswa), _models()):
        avg = S.AveragedModel(m, multi_avg_fn=S.get_swa_multi_avg_fn(), use_buffers=True)
        avg.update_parameters(m)
        with pytest.raises(RuntimeError):
            avg.update_parameters(m)


def _sgd(lib, lrs=(0.1, 0.03)):
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


@pytest.mark.parametrize("anneal_epochs", [0, 1, 3, 10])
@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("swa_lr", [0.05, [0.02, 0.2]])
def test_swalr(strategy, anneal_epochs, swa_lr):
    topt, gopt = _sgd(torch), _sgd(tg)
    # a decay runs first, so SWALR starts from an lr that is not the group's initial one
    tpre, gpre = (S.ExponentialLR(o, gamma=0.8) for S, o in ((torch.optim.lr_scheduler, topt),
                                                                (tg.optim.lr_scheduler, gopt)))
    for _ in range(3):
        topt.step()
        tpre.step()
        gpre.step()
    tsch = tswa.SWALR(topt, swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    gsch = gswa.SWALR(gopt, swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    for step in range(anneal_epochs + 4):
        want, got = [g["lr"] for g in topt.param_groups], [g["lr"] for g in gopt.param_groups]
        np.testing.assert_allclose(got, want, rtol=LR_TOL, atol=0, err_msg=f"step {step}")
        np.testing.assert_allclose(gsch.get_last_lr(), tsch.get_last_lr(), rtol=LR_TOL, atol=0)
        topt.step()
        gopt.step()
        tsch.step()
        gsch.step()
    np.testing.assert_allclose([g["lr"] for g in gopt.param_groups], np.broadcast_to(swa_lr, 2), rtol=LR_TOL)


def test_swalr_state_dict_round_trip():
    topt, gopt = _sgd(torch), _sgd(tg)
    tsch, gsch = tswa.SWALR(topt, 0.01, anneal_epochs=6), gswa.SWALR(gopt, 0.01, anneal_epochs=6)
    for _ in range(2):
        topt.step()
        tsch.step()
        gsch.step()
    tsd, gsd = tsch.state_dict(), gsch.state_dict()
    assert sorted(gsd) == sorted(tsd)  # _get_lr_called_within_step too (torch's flag for its get_lr warning)
    assert {k: gsd[k] for k in ("anneal_epochs", "_anneal_strategy", "_step_count", "last_epoch")} == \
        {k: tsd[k] for k in ("anneal_epochs", "_anneal_strategy", "_step_count", "last_epoch")}
    resumed = gswa.SWALR(_sgd(tg), 0.5, anneal_epochs=2, anneal_strategy="linear")
    resumed.optimizer.load_state_dict(gopt.state_dict())
    resumed.load_state_dict(gsd)
    for _ in range(5):
        tsch.step()
        resumed.step()
        np.testing.assert_allclose(resumed.get_last_lr(), tsch.get_last_lr(), rtol=LR_TOL, atol=0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(swa_lr=[0.1, 0.2, 0.3]), "swa_lr must have the same length as optimizer.param_groups"),
    (dict(swa_lr=0.1, anneal_strategy="exp"), "anneal_strategy must be one of 'cos' or 'linear'"),
    (dict(swa_lr=0.1, anneal_epochs=-1), "anneal_epochs must be equal or greater than 0"),
    (dict(swa_lr=0.1, anneal_epochs=2.5), "anneal_epochs must be equal or greater than 0"),
])
def test_swalr_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tswa.SWALR(_sgd(torch), **kwargs)
    with pytest.raises(ValueError, match=match):
        gswa.SWALR(_sgd(tg), **kwargs)


@pytest.mark.parametrize("batch_form", ["tuple", "tensor"])
@pytest.mark.parametrize("was_training", [False, True])
def test_update_bn(batch_form, was_training):
    tm, gm = _models(7)
    tm[1].momentum = gm[1].momentum = 0.3
    rng = np.random.default_rng(8)
    for _ in range(2):
        _train_step(tm, gm, rng)   # running stats away from their reset values
    xs = [rng.standard_normal((n, 4)).astype(np.float32) * 2 + 1 for n in (5, 8, 3)]
    tm.train(was_training)
    gm.train(was_training)
    tloader = [(torch.from_numpy(x), 0) if batch_form == "tuple" else torch.from_numpy(x) for x in xs]
    gloader = [(tg.tensor(x), 0) if batch_form == "tuple" else tg.tensor(x) for x in xs]
    tswa.update_bn(tloader, tm)
    gswa.update_bn(gloader, gm)
    _assert_state_equal(tm.state_dict(), gm.state_dict())
    assert int(gm[1].num_batches_tracked) == len(xs)
    assert gm[1].momentum == 0.3 and gm.training == was_training and gm[1].training == was_training


def test_update_bn_averaged_model():
    tm, gm = _models(9)
    tavg, gavg = tswa.AveragedModel(tm), gswa.AveragedModel(gm)
    rng = np.random.default_rng(10)
    for _ in range(3):
        _train_step(tm, gm, rng)
        tavg.update_parameters(tm)
        gavg.update_parameters(gm)
    xs = [rng.standard_normal((6, 4)).astype(np.float32) for _ in range(3)]
    tswa.update_bn([torch.from_numpy(x) for x in xs], tavg)
    gswa.update_bn([tg.tensor(x) for x in xs], gavg)
    _assert_state_equal(tavg.state_dict(), gavg.state_dict())


def test_update_bn_skips_other_norms():
    """Instance norms keep their running stats (torch's update_bn only resets BatchNorm); no BatchNorm: no pass."""
    torch.manual_seed(11)
    tin = torch.nn.InstanceNorm1d(3, track_running_stats=True)
    gin = tg.nn.InstanceNorm1d(3, track_running_stats=True)
    x = np.random.default_rng(12).standard_normal((4, 3, 5)).astype(np.float32)
    tin(torch.from_numpy(x))
    gin(tg.tensor(x))
    calls = []
    tswa.update_bn([torch.from_numpy(x)], tin)
    gswa.update_bn(map(lambda b: calls.append(b) or b, [tg.tensor(x)]), gin)
    assert calls == []
    _assert_state_equal(tin.state_dict(), gin.state_dict())
    assert float(gin.running_mean.abs().sum()) > 0


@pytest.mark.parametrize("mode", ["min", "max"])
def test_reduce_lr_on_plateau_state_dict(mode):
    topt, gopt = _sgd(torch), _sgd(tg)
    tsch = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, mode=mode, patience=1)
    gsch = tg.optim.lr_scheduler.ReduceLROnPlateau(gopt, mode=mode, patience=1)
    assert gsch.state_dict() == tsch.state_dict()
    for m in (1.0, 1.0, 1.0, 0.5):
        tsch.step(m)
        gsch.step(m)
    assert gsch.state_dict() == tsch.state_dict()


def test_import_forms():
    import teenygrad.optim.swa_utils as by_path
    from teenygrad.optim.swa_utils import AveragedModel
    assert tg.optim.swa_utils is by_path and by_path.AveragedModel is AveragedModel
    assert sorted(by_path.__all__) == sorted(tswa.__all__)
