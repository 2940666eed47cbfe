// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {NativeRollup} from "./NativeRollup.sol";
import {StateProof} from "./StateProof.sol";

/// @notice Why a queued forced transaction could not have been included in a block, each with
///         the proof `Drop` carries for it (docs/rollup.md, "Forced inclusion").
enum DropReason {
    /// @notice The sender's nonce is not the transaction's, or its balance is below
    ///         `gasLimit × maxFeePerGas + value`: proved by `accountProof` (the sender's account in
    ///         the block's pre-state, `eth_getProof(sender).accountProof` on L2).
    NonceOrBalance,
    /// @notice The transaction's `maxFeePerGas` is below the block's base fee: proved by
    ///         `parentHeader`, the RLP of the block's parent header, from which the base fee follows
    ///         by EIP-1559.
    FeeCap,
    /// @notice The sender has code that is not an EIP-7702 delegation, so it cannot send
    ///         transactions (EIP-3607): proved by `accountProof` and `code`, whose keccak256 is the
    ///         proved code hash.
    SenderCode,
    /// @notice The transaction's gas limit is above any gas limit the block may have (its parent's
    ///         plus less than 1/1024 of it): proved by `parentHeader`.
    GasLimit
}

/// @notice A forced transaction the sequencer leaves out of its block, with the proof that it
///         could not have been included there. `reason` says which proof the drop carries; the
///         fields the reason does not use are ignored (send them empty).
struct Drop {
    uint256 index;
    DropReason reason;
    /// @dev NonceOrBalance, SenderCode: the sender's account in the block's pre-state.
    bytes[] accountProof;
    /// @dev SenderCode: the sender's code.
    bytes code;
    /// @dev FeeCap, GasLimit: the RLP of the block's parent header.
    bytes parentHeader;
}

/// @title IInclusionPolicy
/// @notice What a rollup asks before it settles a block, once EXECUTE has vouched for it: whether
///         the block includes the transactions it must (docs/rollup.md, "Forced inclusion").
interface IInclusionPolicy {
    /// @notice Reverts unless the block is fine by the policy; records what the block settled.
    /// @param preStateRoot the block's (verified) pre-state root, for account proofs in drops
    /// @param parentHash the hash of the block's (verified) parent, for parent headers in drops
    /// @param transactionsCommitment EXECUTE's commitment to the block's transactions (spec §4.2)
    /// @param forcedCount how many forced transactions the block starts with
    /// @param restHashes the hashes of the block's other transactions, in order (needed only
    ///        when `forcedCount > 0`)
    /// @param drops forced transactions left out, each with its proof of invalidity
    function checkInclusion(
        bytes32 preStateRoot,
        bytes32 parentHash,
        bytes32 transactionsCommitment,
        uint256 forcedCount,
        bytes32[] calldata restHashes,
        Drop[] calldata drops
    ) external;
}

/// @title RLPReader
/// @notice Reads canonical RLP from calldata. Canonical only: the L2 refuses any other encoding,
///         and a transaction the inbox accepts but the L2 refuses could be neither included nor
///         dropped.
library RLPReader {
    /// @notice An item whose payload is `data[start:end]`; the item itself ends at `end` too.
    struct Item {
        uint256 start;
        uint256 end;
        bool isList;
    }

    /// @notice Not canonical RLP, or not within its bounds.
    error InvalidRLP();

    /// @notice The item at `offset`, which must end by `limit`.
    function item(bytes calldata data, uint256 offset, uint256 limit) internal pure returns (Item memory it) {
        if (offset >= limit) revert InvalidRLP();
        uint256 b = uint8(data[offset]);
        if (b < 0x80) return Item(offset, offset + 1, false);
        it.isList = b >= 0xc0;
        uint256 short = it.isList ? b - 0xc0 : b - 0x80;
        uint256 length = short;
        it.start = offset + 1;
        if (short > 55) {
            uint256 lengthOfLength = short - 55;
            it.start += lengthOfLength;
            // No leading zero in the length, and no long form for what the short form holds.
            if (it.start > limit || data[offset + 1] == 0) revert InvalidRLP();
            length = uint256(bytes32(data[offset + 1:it.start])) >> (256 - 8 * lengthOfLength);
            if (length <= 55) revert InvalidRLP();
        }
        it.end = it.start + length;
        if (it.end > limit) revert InvalidRLP();
        // A single byte below 0x80 is its own encoding.
        if (!it.isList && length == 1 && uint8(data[it.start]) < 0x80) revert InvalidRLP();
    }

    /// @notice A string read as a big-endian integer of at most 32 bytes, without leading zeros.
    function toUint(bytes calldata data, Item memory it) internal pure returns (uint256) {
        uint256 length = it.end - it.start;
        if (it.isList || length > 32 || (length > 0 && data[it.start] == 0)) revert InvalidRLP();
        if (length == 0) return 0;
        return uint256(bytes32(data[it.start:it.end])) >> (256 - 8 * length);
    }

    /// @notice Whether `it` is a string of exactly `length` bytes.
    function isString(Item memory it, uint256 length) internal pure returns (bool) {
        return !it.isList && it.end - it.start == length;
    }

    /// @notice The header of a list whose payload is `length` bytes.
    function listHeader(uint256 length) internal pure returns (bytes memory header) {
        if (length <= 55) return abi.encodePacked(uint8(0xc0 + length));
        uint256 n = 0;
        for (uint256 l = length; l > 0; l >>= 8) n++;
        header = new bytes(1 + n);
        header[0] = bytes1(uint8(0xf7 + n));
        for (uint256 i = 0; i < n; i++) header[1 + i] = bytes1(uint8(length >> (8 * (n - 1 - i))));
    }
}

/// @title ForcedInclusionInbox
/// @notice Lets anyone force a signed L2 transaction into the rollup (docs/rollup.md, "Forced
///         inclusion"): once its deadline has passed, the rollup settles no block that neither
///         includes it nor proves it invalid.
///
///         `forceInclude` decodes the transaction (EIP-1559 only, for this L2) and recovers its
///         sender on L1 at once, so what the queue holds is signed and well-formed; what it cannot
///         know is the L2 the entry meets when it falls due: the sender's nonce, balance and code,
///         and the block's base fee and gas limit. Settling, the sequencer handles the head of the
///         queue in this order:
///         1. drops: due entries it proves invalid (`DropReason`): by the sender's account in the
///            block's pre-state (a nonce other than the transaction's, or a balance below
///            `gasLimit × maxFeePerGas + value`; or code that is not an EIP-7702 delegation,
///            with the code), or by the block's parent header (a base fee above the
///            transaction's `maxFeePerGas`, or a largest block gas limit below its gas limit);
///         2. inclusions: the next `forcedCount` entries are the block's first transactions,
///            checked against EXECUTE's transactions commitment (spec §4.2).
///         Drops come first because the pre-state is the state a forced transaction meets only as
///         long as no forced transaction ran before it: after one, a sender's nonce or balance may
///         have moved (a second transaction of the same sender would look stale). So an invalid
///         entry behind an included one is dropped in the next block, against that block's
///         pre-state; that is why a block that includes forced transactions may leave due entries
///         behind, while a block that includes none must leave none due.
/// @dev Bound to its rollup like L1Bridge: deployed first, `setRollup` once by the deployer, and
///      only to a rollup whose inclusion policy is this inbox.
contract ForcedInclusionInbox is IInclusionPolicy {
    using RLPReader for bytes;
    using RLPReader for RLPReader.Item;

    /// @notice A queued transaction: what settlement needs of it.
    struct Entry {
        bytes32 txHash;
        address sender;
        uint64 nonce;
        /// @dev At most 2^24 (EIP-7825); packed with `sender` and `nonce` in one slot.
        uint32 gasLimit;
        /// @dev The fee cap: the L2 includes it only in a block whose base fee is at most this.
        uint256 maxFeePerGas;
        /// @dev `gasLimit × maxFeePerGas + value`: the balance the L2 requires to include it.
        uint256 maxCost;
        /// @dev The last L1 block in which a settled block may still leave it out.
        uint256 deadline;
    }

    /// @notice secp256k1n / 2: the largest `s` a valid signature has (EIP-2).
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    uint256 private constant FIELDS = 12;
    /// @notice The gas a transaction may use at most (EIP-7825, Osaka).
    uint256 private constant MAX_TX_GAS = 1 << 24;
    /// @notice Osaka intrinsic gas (EIP-2028, EIP-2930, EIP-3860) and the EIP-7623 calldata floor.
    uint256 private constant TX_GAS = 21_000;
    uint256 private constant TX_CREATE_GAS = 32_000;
    uint256 private constant TX_DATA_ZERO_GAS = 4;
    uint256 private constant TX_DATA_NONZERO_GAS = 16;
    uint256 private constant INITCODE_WORD_GAS = 2;
    uint256 private constant ACCESS_LIST_ADDRESS_GAS = 2_400;
    uint256 private constant ACCESS_LIST_STORAGE_KEY_GAS = 1_900;
    uint256 private constant FLOOR_GAS_PER_TOKEN = 10;
    /// @notice The largest init code a creation may carry (EIP-3860).
    uint256 private constant MAX_INITCODE = 49_152;
    /// @notice EIP-1559: the gas target is `gasLimit / ELASTICITY`; the base fee moves by at most
    ///         1/BASE_FEE_DENOMINATOR a block.
    uint256 private constant ELASTICITY = 2;
    uint256 private constant BASE_FEE_DENOMINATOR = 8;
    /// @notice A block's gas limit differs from its parent's by less than 1/GAS_LIMIT_DIVISOR of it.
    uint256 private constant GAS_LIMIT_DIVISOR = 1024;
    /// @notice Where a post-London header (an RLP list) holds the fields EIP-1559 reads.
    uint256 private constant HEADER_GAS_LIMIT = 9;
    uint256 private constant HEADER_GAS_USED = 10;
    uint256 private constant HEADER_BASE_FEE = 15;
    /// @notice An EIP-7702 delegation, the only code a sender may have: `0xef0100 ‖ address`.
    bytes3 private constant DELEGATION_PREFIX = 0xef0100;
    uint256 private constant DELEGATION_LENGTH = 23;

    uint64 public immutable l2ChainId;
    /// @notice L1 blocks a queued transaction may wait before it must be handled.
    uint256 public immutable delayBlocks;
    address public immutable deployer;
    /// @notice The only caller of `checkInclusion` (zero until `setRollup`).
    NativeRollup public rollup;

    /// @notice The queue is `entries[head .. tail)`.
    uint256 public head;
    uint256 public tail;
    mapping(uint256 index => Entry) private entries;

    /// @notice `transaction` (its bytes, for the sequencer to include) was queued at `index`.
    event ForcedTransactionQueued(
        uint256 indexed index,
        bytes32 indexed txHash,
        address indexed sender,
        uint64 nonce,
        uint256 deadline,
        bytes transaction
    );
    event ForcedTransactionIncluded(uint256 indexed index, bytes32 indexed txHash);
    event ForcedTransactionDropped(uint256 indexed index, bytes32 indexed txHash);

    error NotEip1559();
    error WrongChainId(uint256 expected, uint256 got);
    /// @notice The fields do not form a valid EIP-1559 transaction (beyond RLP).
    error InvalidTransaction();
    /// @notice The gas limit is below the gas the transaction needs before execution: `intrinsic`
    ///         is the larger of its Osaka intrinsic gas and its EIP-7623 calldata floor.
    error IntrinsicGasTooHigh(uint256 intrinsic, uint256 gasLimit);
    /// @notice The signature recovers no sender, or `s` is in the upper half.
    error InvalidSignature();
    error NotDeployer(address caller);
    error RollupAlreadySet(address rollup);
    error WrongRollup(address rollup);
    error NotRollup(address caller);
    /// @notice Due entry `index` was neither included nor dropped.
    error ForcedTransactionSkipped(uint256 index);
    /// @notice A drop or inclusion names entry `index`, which is not the next one queued.
    error NotNext(uint256 index, uint256 next);
    /// @notice The block claims `count` forced transactions where `queued` are left to include.
    error NotQueued(uint256 count, uint256 queued);
    /// @notice Entry `index` is not due yet: only due entries may be dropped.
    error NotDue(uint256 index);
    /// @notice The proof does not show entry `index` invalid for the drop's reason: its sender with
    ///         its nonce and enough balance, its fee cap at least the block's base fee, its
    ///         sender without code or with a delegation, or its gas limit within the block's.
    error NotDroppable(uint256 index);
    /// @notice A drop's parent header does not hash to the block's parent hash.
    error WrongParentHeader(bytes32 parentHash, bytes32 got);
    /// @notice A drop's code does not hash to the sender's proved code hash.
    error WrongCode(bytes32 codeHash, bytes32 got);
    /// @notice The header is not an RLP list with the EIP-1559 fields (or its gas limit is below 2).
    error InvalidHeader();
    /// @notice The block's transactions do not start with the claimed forced ones.
    error WrongTransactions(bytes32 expected, bytes32 got);

    constructor(uint64 l2ChainId_, uint256 delayBlocks_) {
        l2ChainId = l2ChainId_;
        delayBlocks = delayBlocks_;
        deployer = msg.sender;
    }

    /// @notice Binds the inbox to the rollup that uses it as its inclusion policy; once, by the
    ///         deployer.
    function setRollup(NativeRollup rollup_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (address(rollup) != address(0)) revert RollupAlreadySet(address(rollup));
        if (address(rollup_.inclusion()) != address(this)) revert WrongRollup(address(rollup_));
        rollup = rollup_;
    }

    /// @notice Queues a signed EIP-1559 L2 transaction (`0x02 ‖ rlp(fields)`) for forced inclusion.
    /// @return index its place in the queue
    function forceInclude(bytes calldata transaction) external returns (uint256 index) {
        Entry memory e = _decode(transaction);
        e.txHash = keccak256(transaction);
        e.deadline = block.number + delayBlocks;
        index = tail++;
        entries[index] = e;
        emit ForcedTransactionQueued(index, e.txHash, e.sender, e.nonce, e.deadline, transaction);
    }

    /// @inheritdoc IInclusionPolicy
    /// @dev Drops, then inclusions, from the head of the queue (see the contract-level notes).
    function checkInclusion(
        bytes32 preStateRoot,
        bytes32 parentHash,
        bytes32 transactionsCommitment,
        uint256 forcedCount,
        bytes32[] calldata restHashes,
        Drop[] calldata drops
    ) external {
        if (msg.sender != address(rollup)) revert NotRollup(msg.sender);
        uint256 next = head;
        for (uint256 i = 0; i < drops.length; i++) {
            _drop(preStateRoot, parentHash, drops[i], next);
            next++;
        }
        if (forcedCount > 0) {
            if (tail - next < forcedCount) revert NotQueued(forcedCount, tail - next);
            bytes32 c;
            for (uint256 i = 0; i < forcedCount; i++) {
                bytes32 txHash = entries[next].txHash;
                c = keccak256(abi.encodePacked(c, txHash));
                emit ForcedTransactionIncluded(next, txHash);
                delete entries[next++];
            }
            for (uint256 i = 0; i < restHashes.length; i++) {
                c = keccak256(abi.encodePacked(c, restHashes[i]));
            }
            if (c != transactionsCommitment) revert WrongTransactions(transactionsCommitment, c);
        } else if (next < tail && _isDue(next)) {
            revert ForcedTransactionSkipped(next);
        }
        head = next;
    }

    /// @notice Queued entry `index` (zeroed once included or dropped).
    function entry(uint256 index) external view returns (Entry memory) {
        return entries[index];
    }

    /// @notice How many entries are queued.
    function pending() external view returns (uint256) {
        return tail - head;
    }

    /// @notice The base fee of the block after the one whose header's RLP is `parentHeader`, by
    ///         EIP-1559: the parent's base fee, moved by up to 1/8 towards the gas used, with the
    ///         target half the gas limit (and up by at least 1 wei when above the target). As
    ///         ethereumjs `BlockHeader.calcNextBaseFee()` and geth `CalcBaseFee` compute it.
    function nextBaseFee(bytes calldata parentHeader) public pure returns (uint256) {
        (uint256 gasLimit, uint256 gasUsed, uint256 baseFee) = _feeFields(parentHeader);
        uint256 target = gasLimit / ELASTICITY;
        if (target == 0) revert InvalidHeader();
        if (gasUsed == target) return baseFee;
        if (gasUsed > target) {
            uint256 up = baseFee * (gasUsed - target) / target / BASE_FEE_DENOMINATOR;
            return baseFee + (up > 1 ? up : 1);
        }
        // Less than baseFee / 8: the base fee never falls to zero from above zero.
        return baseFee - baseFee * (target - gasUsed) / target / BASE_FEE_DENOMINATOR;
    }

    /// @notice The largest gas limit of a block after the one whose header's RLP is `parentHeader`:
    ///         less than the parent's plus 1/1024 of it (ethereumjs `validateGasLimit`, geth
    ///         `VerifyGaslimit`).
    function nextMaxGasLimit(bytes calldata parentHeader) public pure returns (uint256) {
        (uint256 gasLimit,,) = _feeFields(parentHeader);
        if (gasLimit == 0) revert InvalidHeader();
        return gasLimit + gasLimit / GAS_LIMIT_DIVISOR - 1;
    }

    function _isDue(uint256 index) private view returns (bool) {
        return block.number > entries[index].deadline;
    }

    /// @dev Drops entry `next` if `drop` names it, it is due, and the proof shows it invalid for
    ///      the drop's reason.
    function _drop(bytes32 preStateRoot, bytes32 parentHash, Drop calldata drop, uint256 next) private {
        if (drop.index != next || next >= tail) revert NotNext(drop.index, next);
        if (!_isDue(next)) revert NotDue(next);
        Entry memory e = entries[next];
        if (!_invalid(preStateRoot, parentHash, drop, e)) revert NotDroppable(next);
        emit ForcedTransactionDropped(next, e.txHash);
        delete entries[next];
    }

    /// @dev Whether `drop`'s proof shows that no block on `parentHash` with pre-state
    ///      `preStateRoot` could start with `e`.
    function _invalid(bytes32 preStateRoot, bytes32 parentHash, Drop calldata drop, Entry memory e)
        private
        pure
        returns (bool)
    {
        if (drop.reason == DropReason.FeeCap || drop.reason == DropReason.GasLimit) {
            bytes32 got = keccak256(drop.parentHeader);
            if (got != parentHash) revert WrongParentHeader(parentHash, got);
            if (drop.reason == DropReason.FeeCap) return e.maxFeePerGas < nextBaseFee(drop.parentHeader);
            return e.gasLimit > nextMaxGasLimit(drop.parentHeader);
        }
        StateProof.Account memory account = StateProof.account(preStateRoot, e.sender, drop.accountProof);
        if (drop.reason == DropReason.NonceOrBalance) {
            return account.nonce != e.nonce || account.balance < e.maxCost;
        }
        // SenderCode. (An absent account's code hash is zero, which no code hashes to.)
        bytes32 codeHash = keccak256(drop.code);
        if (codeHash != account.codeHash) revert WrongCode(account.codeHash, codeHash);
        bytes calldata code = drop.code;
        bool delegation = code.length == DELEGATION_LENGTH && bytes3(code[:3]) == DELEGATION_PREFIX;
        return code.length > 0 && !delegation;
    }

    /// @dev A post-London header's gas limit, gas used and base fee (header fields 9, 10, 15:
    ///      parentHash, ommersHash, coinbase, stateRoot, transactionsRoot, receiptsRoot, logsBloom,
    ///      difficulty, number, gasLimit, gasUsed, timestamp, extraData, mixHash, nonce,
    ///      baseFeePerGas, ...).
    function _feeFields(bytes calldata h) private pure returns (uint256 gasLimit, uint256 gasUsed, uint256 baseFee) {
        RLPReader.Item memory list = h.item(0, h.length);
        if (!list.isList || list.end != h.length) revert InvalidHeader();
        uint256 offset = list.start;
        for (uint256 i = 0; i <= HEADER_BASE_FEE; i++) {
            // Reverts (InvalidRLP) when the list ends before the base fee: a pre-London header.
            RLPReader.Item memory field = h.item(offset, list.end);
            if (i == HEADER_GAS_LIMIT) gasLimit = h.toUint(field);
            else if (i == HEADER_GAS_USED) gasUsed = h.toUint(field);
            else if (i == HEADER_BASE_FEE) baseFee = h.toUint(field);
            offset = field.end;
        }
    }

    /// @dev `0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value,
    ///      data, accessList, yParity, r, s])`, checked as the L2 would check it before execution,
    ///      as far as the transaction alone tells.
    ///      Returns the entry but for its hash and deadline.
    function _decode(bytes calldata t) private view returns (Entry memory e) {
        if (t.length == 0 || t[0] != 0x02) revert NotEip1559();
        RLPReader.Item memory list = t.item(1, t.length);
        if (!list.isList || list.end != t.length) revert RLPReader.InvalidRLP();
        RLPReader.Item[FIELDS] memory f;
        uint256 offset = list.start;
        for (uint256 i = 0; i < FIELDS; i++) {
            f[i] = t.item(offset, list.end);
            offset = f[i].end;
        }
        if (offset != list.end) revert RLPReader.InvalidRLP();
        e = _checkFields(t, f);
        e.sender = _recover(t, list.start, f);
    }

    /// @dev Everything but the signature; returns the entry's nonce, gas limit, fee cap and cost.
    function _checkFields(bytes calldata t, RLPReader.Item[FIELDS] memory f) private view returns (Entry memory e) {
        uint256 chainId = t.toUint(f[0]);
        if (chainId != l2ChainId) revert WrongChainId(l2ChainId, chainId);
        uint256 nonce_ = t.toUint(f[1]);
        uint256 maxFee = t.toUint(f[3]);
        uint256 gasLimit = t.toUint(f[4]);
        uint256 value = t.toUint(f[6]);
        bool creation = f[5].isString(0);
        // EIP-2681 nonces; the tip within the fee cap; the gas within the cap of any L2 block;
        // a cost that fits 256 bits (no balance covers more); `to` empty (creation, with init
        // code within EIP-3860) or an address.
        if (
            nonce_ >= type(uint64).max || t.toUint(f[2]) > maxFee || gasLimit > MAX_TX_GAS || (maxFee > 0 && gasLimit > (type(uint256).max - value) / maxFee)
                || !(creation || f[5].isString(20)) || f[7].isList
                || (creation && f[7].end - f[7].start > MAX_INITCODE)
        ) revert InvalidTransaction();
        (uint256 addresses, uint256 keys) = _checkAccessList(t, f[8]);
        uint256 intrinsic = _intrinsicGas(t, f[7], creation, addresses, keys);
        if (gasLimit < intrinsic) revert IntrinsicGasTooHigh(intrinsic, gasLimit);
        e.nonce = uint64(nonce_);
        e.gasLimit = uint32(gasLimit);
        e.maxFeePerGas = maxFee;
        e.maxCost = gasLimit * maxFee + value;
    }

    /// @dev The signer of keccak256(0x02 ‖ rlp(the first nine fields)), by `yParity, r, s`.
    function _recover(bytes calldata t, uint256 fieldsStart, RLPReader.Item[FIELDS] memory f)
        private
        pure
        returns (address sender)
    {
        uint256 yParity = t.toUint(f[9]);
        uint256 r = t.toUint(f[10]);
        uint256 s = t.toUint(f[11]);
        if (yParity > 1 || s > HALF_N) revert InvalidSignature();
        uint256 signedEnd = f[8].end;
        bytes32 digest = keccak256(
            abi.encodePacked(hex"02", RLPReader.listHeader(signedEnd - fieldsStart), t[fieldsStart:signedEnd])
        );
        sender = ecrecover(digest, uint8(27 + yParity), bytes32(r), bytes32(s));
        if (sender == address(0)) revert InvalidSignature();
    }

    /// @dev The gas limit the transaction needs at least: the larger of its Osaka intrinsic gas
    ///      (21,000; 16 per nonzero and 4 per zero byte of `data`; for a creation 32,000 and 2 per
    ///      word of init code; 2,400 per access-list address and 1,900 per storage key) and its
    ///      EIP-7623 floor (21,000 + 10 per token; a zero byte is 1 token, a nonzero one 4).
    function _intrinsicGas(
        bytes calldata t,
        RLPReader.Item memory data,
        bool creation,
        uint256 addresses,
        uint256 keys
    ) private pure returns (uint256) {
        uint256 length = data.end - data.start;
        uint256 zeros = 0;
        for (uint256 i = data.start; i < data.end; i++) {
            if (t[i] == 0) zeros++;
        }
        uint256 nonzeros = length - zeros;
        uint256 intrinsic = TX_GAS + TX_DATA_ZERO_GAS * zeros + TX_DATA_NONZERO_GAS * nonzeros
            + ACCESS_LIST_ADDRESS_GAS * addresses + ACCESS_LIST_STORAGE_KEY_GAS * keys;
        if (creation) intrinsic += TX_CREATE_GAS + INITCODE_WORD_GAS * ((length + 31) / 32);
        uint256 floor = TX_GAS + FLOOR_GAS_PER_TOKEN * (zeros + 4 * nonzeros);
        return intrinsic > floor ? intrinsic : floor;
    }

    /// @dev An access list is a list of [address, [storageKey, ...]]; returns how many addresses
    ///      and storage keys it names (duplicates counted, as the intrinsic gas counts them).
    function _checkAccessList(bytes calldata t, RLPReader.Item memory list)
        private
        pure
        returns (uint256 addresses, uint256 storageKeys)
    {
        if (!list.isList) revert InvalidTransaction();
        for (uint256 offset = list.start; offset < list.end;) {
            RLPReader.Item memory pair = t.item(offset, list.end);
            RLPReader.Item memory addr = t.item(pair.start, pair.end);
            RLPReader.Item memory keys = t.item(addr.end, pair.end);
            if (!pair.isList || !addr.isString(20) || !keys.isList || keys.end != pair.end) {
                revert InvalidTransaction();
            }
            for (uint256 k = keys.start; k < keys.end;) {
                RLPReader.Item memory key = t.item(k, keys.end);
                if (!key.isString(32)) revert InvalidTransaction();
                k = key.end;
                storageKeys++;
            }
            addresses++;
            offset = pair.end;
        }
    }
}
